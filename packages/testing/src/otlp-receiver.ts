import { createServer, type Server } from 'node:http';

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

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
