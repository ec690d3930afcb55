import { createServer, type Server } from 'node:http';

/** A span as exported over OTLP/HTTP with JSON encoding (OTEL_EXPORTER_OTLP_PROTOCOL=http/json). */
export interface ExportedSpan {
  /** service.name of the resource that exported it. */
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for the root span of a trace. */
  parentSpanId: string;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer' | 'unspecified';
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: OtlpAttribute[];
        links?: { traceId: string; spanId: string }[];
      }[];
    }[];
  }[];
}

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

/** An OTLP AnyValue ({ stringValue: 'x' }, { intValue: 3 }, ...) as a plain value. */
const valueOf = (value: Record<string, unknown>): unknown => Object.values(value)[0];

const attributesOf = (attributes: OtlpAttribute[] = []) =>
  Object.fromEntries(attributes.map((attribute) => [attribute.key, valueOf(attribute.value)]));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A stand-in for an OpenTelemetry Collector's OTLP/HTTP receiver: it accepts
 * exports and keeps their bodies, so tests can see what a service sent.
 */
export class OtlpReceiver {
  readonly bodies: { path: string; contentType: string; body: Buffer }[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.bodies.push({
          path: request.url ?? '',
          contentType: request.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get endpoint(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** Everything received on a path, as text (JSON-encoded OTLP is searchable as is). */
  received(path = '/v1/traces'): string {
    return this.bodies
      .filter((b) => b.path === path)
      .map((b) => b.body.toString('utf8'))
      .join('\n');
  }

  /** Every span received so far. */
  spans(): ExportedSpan[] {
    return this.bodies
      .filter((b) => b.path === '/v1/traces')
      .flatMap((b) => (JSON.parse(b.body.toString('utf8')) as OtlpTraces).resourceSpans ?? [])
      .flatMap((resourceSpans) => {
        const service = attributesOf(resourceSpans.resource?.attributes)['service.name'] as string;
        return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
          (scope.spans ?? []).map((span) => ({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: SPAN_KINDS[span.kind ?? 0] ?? 'unspecified',
            attributes: attributesOf(span.attributes),
            links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
          })),
        );
      });
  }

  /** Resolves with the first span received that matches (a service exports every OTEL_BSP_SCHEDULE_DELAY ms). */
  async waitForSpan(match: (span: ExportedSpan) => boolean, timeoutMs = 10_000): Promise<ExportedSpan> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.spans().find(match);
      if (found) return found;
      await sleep(50);
    }
    const received = this.spans().map((s) => `${s.service} ${s.kind} ${s.name} ${s.traceId}/${s.spanId}`);
    throw new Error(`no matching span within ${timeoutMs} ms; received:\n${received.join('\n')}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
