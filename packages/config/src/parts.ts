import { z } from 'zod';
import { boolean, durationMs, integer, oneOf, optionalUrl, port, secret, text, url, urlList } from './fields';

/**
 * Shared parts that service schemas are composed from. A part is a plain
 * object of fields; a service spreads the parts it needs into one schema, so a
 * variable means the same thing in every service that reads it.
 */

export const httpServerPart = (ports: { public: number; management: number }) => ({
  PORT: port(ports.public).describe(
    'TCP port of the public listener: every route except the probes, /metrics and /admin.',
  ),
  MANAGEMENT_PORT: port(ports.management).describe(
    'TCP port of the management listener: /health/live, /health/ready, /health/startup, /metrics and /admin only (0 picks a free port).',
  ),
  HOST: text({ default: '0.0.0.0' }).describe('Interface both listeners bind to.'),
  HTTP_BODY_LIMIT_BYTES: integer({ min: 1_024, max: 16 * 1_048_576, default: 1_048_576 }).describe(
    'Largest request body accepted; larger bodies get 413.',
  ),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: durationMs(65_000).describe(
    'Idle keep-alive timeout; keep it above the load balancer idle timeout.',
  ),
  TEST_ROUTES_ENABLED: boolean(false).describe(
    'Mounts diagnostic routes used by the test suite; refused when DEPLOYMENT_ENVIRONMENT is production.',
  ),
});

export const shutdownPart = {
  SHUTDOWN_DELAY_MS: durationMs(5_000).describe(
    'After SIGTERM, time to keep serving (readiness 503) while load balancers stop routing here.',
  ),
  SHUTDOWN_TIMEOUT_MS: durationMs(25_000).describe(
    'Hard limit for the whole shutdown; past it the process exits non-zero. Keep below terminationGracePeriodSeconds.',
  ),
};

/** Every process logs; one-shot commands (migrations) need only this of the telemetry part. */
export const loggingPart = {
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info').describe(
    'Minimum level of the JSON log lines written to stdout.',
  ),
};

/**
 * `traceContextTrusted`: whether the service's callers are our own services
 * (their trace context is continued) or the internet (it is only linked).
 */
export const telemetryPart = (serviceName: string, options: { traceContextTrusted: boolean }) => ({
  ...loggingPart,
  OTEL_SERVICE_NAME: text({ default: serviceName }).describe('service.name resource attribute of traces.'),
  DEPLOYMENT_ENVIRONMENT: text({ default: 'local' }).describe(
    'deployment.environment.name resource attribute (local, staging, production).',
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(['http', 'https']).describe(
    'OTLP/HTTP collector base URL; traces are exported only when this (or the traces endpoint) is set.',
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl(['http', 'https']).describe(
    'OTLP/HTTP traces endpoint, overriding OTEL_EXPORTER_OTLP_ENDPOINT for traces.',
  ),
  TRACE_CONTEXT_TRUSTED: boolean(options.traceContextTrusted).describe(
    "Continue the trace of an incoming traceparent and keep incoming baggage; when false, each request starts a new trace that links to the caller's, and baggage is dropped.",
  ),
});

export const databasePart = {
  DATABASE_URL: secret(
    url(['postgres', 'postgresql']).describe('PostgreSQL connection URL (secret; or DATABASE_URL_FILE).'),
  ),
  DATABASE_POOL_MAX: integer({ min: 1, max: 500, default: 10 }).describe('Connections in the pool.'),
};

export const redisPart = {
  REDIS_URL: secret(url(['redis', 'rediss']).describe('Redis connection URL (secret; or REDIS_URL_FILE).')),
  REDIS_KEY_PREFIX: text({
    default: 'meridian',
    pattern: /^[A-Za-z0-9:_-]+$/,
    hint: 'may hold only letters, digits, ":", "_" and "-"',
  }).describe('Prefix of every Redis key and queue this service creates.'),
};

/** A service token: a random secret, long enough that guessing is hopeless. */
export const serviceToken = () =>
  z.string({ error: 'is required' }).min(32, { error: 'must be at least 32 characters' });

/** A service name as it appears in variable names: `service-registry` -> `SERVICE_REGISTRY`. */
export type EnvName<N extends string> = N extends `${infer Head}-${infer Tail}`
  ? `${Uppercase<Head>}_${EnvName<Tail>}`
  : Uppercase<N>;

export const envName = <N extends string>(service: N): EnvName<N> =>
  service.toUpperCase().replaceAll('-', '_') as EnvName<N>;

type InboundTokenFields<N extends string> = Record<`INBOUND_${EnvName<N>}_TOKEN`, z.ZodString> &
  Record<`INBOUND_${EnvName<N>}_TOKEN_NEXT`, z.ZodOptional<z.ZodString>>;

/**
 * Tokens a service accepts from one caller: the current one and, while a
 * rotation is under way, the next one (README, "Rotating service tokens").
 * Each caller has its own, so the callee knows who calls and what it may do.
 * `callerTitle` names the caller in descriptions ("settlement service").
 */
export function inboundTokens<N extends string>(caller: N, callerTitle = `${caller} service`) {
  const name = envName(caller);
  return {
    [`INBOUND_${name}_TOKEN`]: secret(
      serviceToken().describe(
        `Token the ${callerTitle} presents to this service (secret; or INBOUND_${name}_TOKEN_FILE).`,
      ),
    ),
    [`INBOUND_${name}_TOKEN_NEXT`]: secret(
      serviceToken()
        .optional()
        .describe(
          `Also accepted from the ${callerTitle} while its token is rotated (secret; or INBOUND_${name}_TOKEN_NEXT_FILE).`,
        ),
    ),
  } as InboundTokenFields<N>;
}

/**
 * The inbound tokens of every caller of a service: its `CALLERS`, which
 * `npm run generate` writes into the app's `src/callers.ts` from the registry's
 * `calls`. A caller added to the registry is then a variable of its callee.
 */
export function callerTokens<const C extends readonly string[]>(callers: C): InboundTokenFields<C[number]> {
  return Object.assign({}, ...callers.map((caller) => inboundTokens(caller))) as InboundTokenFields<
    C[number]
  >;
}

/** Each caller's accepted tokens (current, next), from a config built with `callerTokens(callers)`; for `tokenGuard`. */
export function tokensByCaller(
  config: object,
  callers: readonly string[],
): Record<string, readonly (string | undefined)[]> {
  const value = (name: string) => (config as Record<string, string | undefined>)[name];
  return Object.fromEntries(
    callers.map((caller) => {
      const name = `INBOUND_${envName(caller)}_TOKEN`;
      return [caller, [value(name), value(`${name}_NEXT`)]];
    }),
  );
}

/**
 * The operator's token of a service that serves /admin (its registry entry has
 * `adminToken: true`), and the next one while it is rotated. `endpoints` says
 * what those endpoints do, for the README's table.
 */
export const adminTokenPart = (endpoints: string) => ({
  ADMIN_TOKEN: secret(
    serviceToken().describe(`Token of the /admin endpoints that ${endpoints} (secret; or ADMIN_TOKEN_FILE).`),
  ),
  ADMIN_TOKEN_NEXT: secret(
    serviceToken()
      .optional()
      .describe('Also accepted as the admin token while it is rotated (secret; or ADMIN_TOKEN_NEXT_FILE).'),
  ),
});

/** The settings of one internal service a process calls, as `@meridian/service-client` takes them. */
export interface InternalServiceSettings {
  /** The callee's service name; problem types (`<name>-unavailable`, `<name>-error`) and logs use it. */
  name: string;
  /** The callee as messages name it: "ledger", "settlement service". */
  title: string;
  url: string;
  /** Each replica's base URL, by ordinal (empty: no affinity; every call goes to `url`). */
  replicaUrls: string[];
  token: string;
  timeoutMs: number;
  deadlineMs: number;
  retries: number;
  breakerFailurePercent: number;
  breakerWindowMs: number;
  breakerMinRps: number;
  breakerHalfOpenMs: number;
  maxConcurrency: number;
  maxQueue: number;
}

/** The client settings of one callee, keyed by what follows `<CALLEE>_` in the variable name. */
const targetFields = (name: string, title: string, prefix: string, defaultUrl: string) => ({
  URL: url(['http', 'https'], { default: defaultUrl }).describe(`Base URL of the ${title}.`),
  REPLICA_URLS: urlList(['http', 'https']).describe(
    `Base URLs of each replica of the ${title}, by ordinal, comma-separated (a StatefulSet's pods through its headless Service); calls with an affinity key go to their replica while it answers, others (and those while it does not) to ${prefix}_URL. Empty: every call to ${prefix}_URL.`,
  ),
  TOKEN: secret(
    serviceToken().describe(
      `This service's token for calls to the ${title} (secret; or ${prefix}_TOKEN_FILE).`,
    ),
  ),
  TIMEOUT_MS: durationMs(2_000, 60_000).describe(`Timeout of one call to the ${title}.`),
  DEADLINE_MS: durationMs(5_000, 120_000).describe(
    `Overall time for a call to the ${title}, retries included; past it the call fails (503 ${name}-unavailable).`,
  ),
  RETRIES: integer({ min: 0, max: 10, default: 2 }).describe(
    `Retries of a call to the ${title} (a GET when unavailable or timed out, a write only when unavailable), with exponential backoff and full jitter.`,
  ),
  BREAKER_FAILURE_PERCENT: integer({ min: 1, max: 99, default: 75 }).describe(
    `Share of calls to the ${title} failing over the breaker's window, in percent, that opens its circuit breaker (above one replica's share: losing one of several must not cut off the others).`,
  ),
  BREAKER_WINDOW_MS: durationMs(5_000, 300_000).describe(
    `The window over which the ${title}'s circuit breaker counts failures.`,
  ),
  BREAKER_MIN_RPS: integer({ min: 1, max: 100_000, default: 5 }).describe(
    `Calls per second to the ${title}, over the window, below which its circuit breaker never opens (too few to judge).`,
  ),
  BREAKER_HALF_OPEN_MS: durationMs(1_000, 300_000).describe(
    `How long the ${title}'s circuit breaker stays open before letting one trial call through.`,
  ),
  MAX_CONCURRENCY: integer({ min: 1, max: 10_000, default: 64 }).describe(
    `Calls to the ${title} in flight at once (bulkhead).`,
  ),
  MAX_QUEUE: integer({ min: 0, max: 10_000, default: 64 }).describe(
    `Calls to the ${title} that may wait for a slot; beyond it calls fail at once.`,
  ),
});

type TargetFields = ReturnType<typeof targetFields>;

/**
 * A StatefulSet replica's identity (decision: the chart sets REPLICA_ORDINAL
 * from the pod's `apps.kubernetes.io/pod-index` label and REPLICA_COUNT from
 * the StatefulSet's replicas; compose and the local stack set both per
 * replica), for a service that divides work among its replicas by ordinal.
 */
export const replicaIdentityPart = {
  REPLICA_ORDINAL: integer({ min: 0, max: 999, default: 0 }).describe(
    "This replica's ordinal in its StatefulSet (0 for the first pod).",
  ),
  REPLICA_COUNT: integer({ min: 1, max: 1_000, default: 1 }).describe(
    "Replicas of the service's StatefulSet, this one included.",
  ),
};

/**
 * A partitioned StatefulSet's partition count, `<SERVICE>_PARTITIONS` (the
 * ledger's: ADR 0020), defined once for the service and for every caller
 * that routes a tenant's calls to the replica owning its partition: they
 * must agree, and the registry (`partitions:`) sets all from one value.
 */
export function partitionsPart<const N extends string>(service: N) {
  return {
    [`${envName(service)}_PARTITIONS`]: integer({ min: 1, max: 4_096, default: 64 }).describe(
      `Partitions the ${service} divides tenants into; the same for the ${service} and its callers, and fixed by the first ${service} replica to start on its database.`,
    ),
  } as Record<`${EnvName<N>}_PARTITIONS`, ReturnType<typeof integer>>;
}

/** The ledger's partition count, for the ledger and its callers. */
export const ledgerPartitionsPart = partitionsPart('ledger');

/** A callee's fields under their variable names: `LEDGER_URL`, `LEDGER_TOKEN`, ... */
export type InternalServiceFields<P extends string> = {
  [K in keyof TargetFields as `${P}_${K}`]: TargetFields[K];
};

export interface InternalServiceTarget<N extends string> {
  name: N;
  title: string;
  /** To spread into the caller's schema. */
  fields: InternalServiceFields<EnvName<N>>;
  /** The callee's settings, read from the caller's validated config. */
  settingsFrom(config: z.output<z.ZodObject<InternalServiceFields<EnvName<N>>>>): InternalServiceSettings;
}

/**
 * How a service calls one internal service (decision: `<CALLEE>_URL`,
 * `<CALLEE>_TOKEN`, and the resilience settings of `@meridian/service-client`
 * under the same prefix), so that every callee has settings and credentials of
 * its own: `internalServiceTarget('ledger', { title: 'ledger', defaultUrl })`.
 */
export function internalServiceTarget<const N extends string>(
  name: N,
  options: { title: string; defaultUrl: string },
): InternalServiceTarget<N> {
  const prefix = envName(name);
  const fields = Object.fromEntries(
    Object.entries(targetFields(name, options.title, prefix, options.defaultUrl)).map(([key, field]) => [
      `${prefix}_${key}`,
      field,
    ]),
  ) as InternalServiceFields<EnvName<N>>;
  return {
    name,
    title: options.title,
    fields,
    settingsFrom(config) {
      const value = (key: keyof TargetFields) => (config as Record<string, unknown>)[`${prefix}_${key}`];
      return {
        name,
        title: options.title,
        url: value('URL') as string,
        replicaUrls: value('REPLICA_URLS') as string[],
        token: value('TOKEN') as string,
        timeoutMs: value('TIMEOUT_MS') as number,
        deadlineMs: value('DEADLINE_MS') as number,
        retries: value('RETRIES') as number,
        breakerFailurePercent: value('BREAKER_FAILURE_PERCENT') as number,
        breakerWindowMs: value('BREAKER_WINDOW_MS') as number,
        breakerMinRps: value('BREAKER_MIN_RPS') as number,
        breakerHalfOpenMs: value('BREAKER_HALF_OPEN_MS') as number,
        maxConcurrency: value('MAX_CONCURRENCY') as number,
        maxQueue: value('MAX_QUEUE') as number,
      };
    },
  };
}
