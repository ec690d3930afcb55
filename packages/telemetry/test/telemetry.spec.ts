import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  AlwaysOffSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { Writable } from 'node:stream';
import pino from 'pino';
import { CallerLinkProcessor, loggerOptions, ServiceMetrics, UntrustedCallerPropagator } from '../src';
import { samplerFromEnv } from '../src/sampler';

describe('samplerFromEnv', () => {
  it('defaults to parent-based always-on and honours the standard variables', () => {
    expect(samplerFromEnv({}).toString()).toContain('ParentBased{root=AlwaysOnSampler');
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' })).toBeInstanceOf(AlwaysOffSampler);
    const ratio = samplerFromEnv({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(ratio).toBeInstanceOf(ParentBasedSampler);
    expect(ratio.toString()).toContain('TraceIdRatioBased{0.25}');
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' })).toEqual(
      new TraceIdRatioBasedSampler(1),
    );
  });
});

describe('logger', () => {
  it('adds the active span ids to each line, and redacts credentials', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino(loggerOptions({ service: 'test', version: '1.0.0', level: 'info' }), sink);
    const tracer = new TracerProvider().getTracer('test');
    tracer.startActiveSpan('work', (span) => {
      logger.info({ req: { headers: { authorization: 'Bearer secret-key' } } }, 'inside');
      span.end();
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ level: 'info', message: 'inside', service: 'test', version: '1.0.0' });
    expect(lines[0]!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[0]!.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(lines[0])).not.toContain('secret-key');
    expect(lines[1]).not.toHaveProperty('trace_id');
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

describe('ServiceMetrics', () => {
  it('counts requests per route template and 5xx as errors', async () => {
    const metrics = new ServiceMetrics({ service: 'test' });
    metrics.recordHttpRequest('GET', '/v1/accounts/:id', 200, 0.004);
    metrics.recordHttpRequest('GET', '/v1/accounts/:id', 503, 0.2);
    const lines = (await metrics.render()).split('\n');
    const sample = (name: string, status: string) =>
      lines.find(
        (l) =>
          l.startsWith(`${name}{`) &&
          ['service="test"', 'method="GET"', 'route="/v1/accounts/:id"', `status_code="${status}"`].every(
            (label) => l.includes(label),
          ),
      );
    expect(sample('http_server_request_duration_seconds_count', '200')).toMatch(/ 1$/);
    expect(sample('http_server_request_duration_seconds_count', '503')).toMatch(/ 1$/);
    expect(sample('http_server_request_errors_total', '503')).toMatch(/ 1$/);
    expect(sample('http_server_request_errors_total', '200')).toBeUndefined();
  });
});

describe('an untrusted caller (UntrustedCallerPropagator and CallerLinkProcessor)', () => {
  const caller = { traceId: 'a3c5e1f0b2d4968778695a4b3c2d1e0f', spanId: '1234567890abcdef' };
  const headers = { traceparent: `00-${caller.traceId}-${caller.spanId}-01`, baggage: 'tenant=acme' };

  it("links the request's first span to the caller's span, parents nothing on it, drops its baggage, and propagates our own context", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new CallerLinkProcessor(), new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('test');
    const propagator = new UntrustedCallerPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );

    const extracted = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    expect(trace.getSpanContext(extracted)).toBeUndefined();
    expect(propagation.getBaggage(extracted)).toBeUndefined();
    const server = tracer.startSpan('server', {}, extracted);
    const child = tracer.startSpan('child', {}, trace.setSpan(extracted, server));
    const outgoing: Record<string, string> = {};
    propagator.inject(trace.setSpan(extracted, child), outgoing, defaultTextMapSetter);
    child.end();
    server.end();
    await provider.forceFlush();

    const [childSpan, serverSpan] = exporter.getFinishedSpans();
    expect(serverSpan!.spanContext().traceId).not.toBe(caller.traceId);
    expect(serverSpan!.parentSpanContext).toBeUndefined();
    expect(serverSpan!.links.map((link) => link.context)).toEqual([
      expect.objectContaining({ traceId: caller.traceId, spanId: caller.spanId }),
    ]);
    expect(childSpan!.links).toEqual([]);
    expect(outgoing).toEqual({
      traceparent: `00-${serverSpan!.spanContext().traceId}-${childSpan!.spanContext().spanId}-01`,
    });
  });
});
