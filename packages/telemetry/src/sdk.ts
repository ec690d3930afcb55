import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  ATTR_DB_QUERY_TEXT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { CallerLinkProcessor, UntrustedCallerPropagator } from './caller-trace-context';
import { samplerFromEnv } from './sampler';
import { sqlTextWithoutLiterals } from './sql-text';

/** deployment.environment.name, from the incubating semantic conventions (not exported as stable). */
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';

/** Probes and scrapes are frequent and uninteresting; they would drown real traces. */
const UNTRACED_PATHS = /^\/(health\/(live|ready|startup)|metrics)(\?|$)/;

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  /** TRACE_CONTEXT_TRUSTED: continue incoming trace context, or only link to it (see UntrustedCallerPropagator). */
  traceContextTrusted: boolean;
  env?: NodeJS.ProcessEnv;
}

let provider: TracerProvider | undefined;

/**
 * Traces are exported over OTLP/HTTP only when an endpoint is configured
 * (or OTEL_TRACES_EXPORTER=otlp asks for the default one). Otherwise spans are
 * still created, so trace ids reach the logs and propagate downstream, but
 * nothing leaves the process and a local run stays quiet. The exporter is
 * loaded only when used.
 */
function exportsTraces(env: NodeJS.ProcessEnv): boolean {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  const endpointSet = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  return exporter !== 'none' && (endpointSet || exporter === 'otlp');
}

async function spanProcessorsFrom(env: NodeJS.ProcessEnv): Promise<SpanProcessor[]> {
  if (!exportsTraces(env)) return [new NoopSpanProcessor()];
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  // The standard variable, which this SDK version no longer reads by itself.
  const scheduledDelayMillis = Number(env.OTEL_BSP_SCHEDULE_DELAY) || undefined;
  return [new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), scheduledDelayMillis })];
}

/**
 * Starts tracing. It must run before the modules it instruments (http,
 * fastify, pg, ioredis, undici) are first loaded; `launch()` in
 * @meridian/bootstrap makes sure of that.
 *
 * Built from the SDK's parts rather than @opentelemetry/sdk-node, which also
 * loads the metrics and logs SDKs and every exporter (gRPC included): this
 * service needs traces only, and the difference is ~150 ms of cold start and
 * ~18 MB of memory per process (docs/adr/0004-telemetry.md).
 */
export async function startTelemetry(options: TelemetryOptions): Promise<void> {
  if (provider) return;
  const env = options.env ?? process.env;
  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion,
      [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: env.DEPLOYMENT_ENVIRONMENT || 'local',
    }),
  );
  const exportProcessors = await spanProcessorsFrom(env);
  provider = new TracerProvider({
    resource,
    // Nothing to export: spans are not recorded at all (their ids still
    // propagate and reach the logs), which costs next to nothing per request.
    sampler: exportsTraces(env) ? samplerFromEnv(env) : new AlwaysOffSampler(),
    spanProcessors: options.traceContextTrusted
      ? exportProcessors
      : [new CallerLinkProcessor(), ...exportProcessors],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const w3c = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });
  propagation.setGlobalPropagator(options.traceContextTrusted ? w3c : new UntrustedCallerPropagator(w3c));
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Span attributes never carry bodies, credentials or Idempotency-Keys:
      // no header is captured (headersToSpanAttributes stays unset), pg
      // records the SQL text but neither its parameter values nor its string
      // literals, and Redis records the command name only (an EVAL's arguments
      // hold whole stored responses).
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
      }),
      new UndiciInstrumentation(),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // One span per route handler; a span per lifecycle hook costs more than it tells.
        instrumentHooks: false,
        ignorePaths: (route) => UNTRACED_PATHS.test(route.url),
      }),
      new PgInstrumentation({
        requireParentSpan: true,
        enhancedDatabaseReporting: false,
        requestHook: (span, { query }) => {
          if (span.isRecording() && query.text)
            span.setAttribute(ATTR_DB_QUERY_TEXT, sqlTextWithoutLiterals(query.text));
        },
      }),
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
}

/** Flushes pending spans and stops tracing; the last step of the shutdown sequence. */
export async function shutdownTelemetry(): Promise<void> {
  const current = provider;
  provider = undefined;
  await current?.shutdown();
}
