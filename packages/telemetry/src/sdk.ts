import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { FastifyOtelInstrumentation } from '@fastify/otel';

/** deployment.environment.name, from the incubating semantic conventions (not exported as stable). */
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';

/** Probes and scrapes are frequent and uninteresting; they would drown real traces. */
const UNTRACED_PATHS = /^\/(health\/(live|ready|startup)|metrics)(\?|$)/;

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  env?: NodeJS.ProcessEnv;
}

let sdk: NodeSDK | undefined;

/**
 * Traces are exported over OTLP/HTTP only when an endpoint is configured
 * (or OTEL_TRACES_EXPORTER=otlp asks for the default one). Otherwise spans are
 * still created, so trace ids reach the logs and propagate downstream, but
 * nothing leaves the process and a local run stays quiet.
 */
function spanProcessorsFrom(env: NodeJS.ProcessEnv): SpanProcessor[] {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  const endpointSet = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (exporter === 'none' || (!endpointSet && exporter !== 'otlp')) return [new NoopSpanProcessor()];
  return [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })];
}

/**
 * Starts the OpenTelemetry SDK. It must run before the modules it instruments
 * (http, fastify, pg, ioredis) are first required, which is why every app's
 * main.ts imports its `instrumentation.ts` on its first line.
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (sdk) return;
  const env = options.env ?? process.env;
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion,
      [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: env.DEPLOYMENT_ENVIRONMENT || 'local',
    }),
    spanProcessors: spanProcessorsFrom(env),
    // Metrics are Prometheus-native (see metrics.ts); OTel logs are not used:
    // logs go to stdout as JSON and carry trace ids instead.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
      }),
      new UndiciInstrumentation(),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: (opts) => UNTRACED_PATHS.test(opts.url),
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}

/** Flushes and stops telemetry; the last step of the shutdown sequence. */
export async function shutdownTelemetry(): Promise<void> {
  const current = sdk;
  sdk = undefined;
  await current?.shutdown();
}
