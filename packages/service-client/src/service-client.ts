import { HttpStatus, Inject, type Provider } from '@nestjs/common';
import type { InternalServiceSettings, InternalServiceTarget } from '@meridian/config';
import { APP_CONFIG } from '@meridian/config/nest';
import { ProblemException } from '@meridian/bootstrap';
import { ShutdownHooks } from '@meridian/health';
import { APP_LOGGER, type Logger } from '@meridian/telemetry';
import {
  bulkhead,
  circuitBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  type IPolicy,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTaskCancelledError,
  retry,
  SamplingBreaker,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { type Dispatcher, errors, Pool } from 'undici';

/** The service answered (any status): its reply, JSON-decoded. */
export interface ServiceReply<T = unknown> {
  /** Which service answered: its name (as in problem types) and title (as in messages). */
  service: Pick<InternalServiceSettings, 'name' | 'title'>;
  status: number;
  body: T;
}

/**
 * The service could not be reached, or said it cannot serve now (502, 503,
 * 504). Only this, and timeouts, say something about its health: they are
 * what the breaker counts and what retries may fix. Any other answer, a 500
 * included, is passed on: a 500 is a bug in the service, specific to one
 * request, and must not open the breaker for every tenant.
 */
class Unavailable extends Error {
  constructor(readonly reason: string) {
    super(`unavailable: ${reason}`);
  }
}

const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/**
 * How long a replica that failed a call (unreachable, or 502/503/504) gets no
 * calls of its own: they go to `<CALLEE>_URL` meanwhile, and the first after
 * it tries the replica again. About a pod's restart.
 */
export const REPLICA_EJECTION_MS = 5_000;

/** Which replica serves calls with a given affinity key: its ordinal, of `replicas`. */
export type ReplicaAffinity = (key: string, replicas: number) => number;

/** Where one call goes: a replica's connections (with its ordinal) or the service's. */
interface Route {
  pool: Pool;
  basePath: string;
  replica?: { ordinal: number; ejectedUntil: number };
}

export interface CallOptions {
  /**
   * Sends the call to the replica the client's affinity picks for this key
   * (a tenant id), while that replica answers; see `<CALLEE>_REPLICA_URLS`.
   */
  affinityKey?: string;
}

/**
 * How Meridian's services call each other (the ledger, the settlement
 * service's internal API), with the resilience a payment path needs, built
 * from cockatiel policies (outermost first). One client per callee, tuned by
 * that callee's `<CALLEE>_*` settings (`internalServiceTarget` in
 * `@meridian/config`):
 *
 * - bulkhead: at most `_MAX_CONCURRENCY` calls in flight and `_MAX_QUEUE`
 *   waiting; beyond that a request fails at once instead of queueing without
 *   bound;
 * - deadline: `_DEADLINE_MS` for the whole call, retries included;
 * - retry: `_RETRIES` more attempts, exponential backoff with full jitter. A
 *   GET is retried when the service is unavailable or an attempt timed out; a
 *   POST only when the service is unavailable (nothing reached it, or it
 *   refused with 503): every write of Meridian's internal APIs is idempotent
 *   by the id in its body, so a resend cannot apply twice, and a timed-out
 *   write is left to the caller's own retry rather than doubled under load.
 *   Use `post` only for such writes;
 * - circuit breaker: once more than `_BREAKER_FAILURE_PERCENT` of the calls
 *   of the last `_BREAKER_WINDOW_MS` failed (unavailable or timed out; at
 *   `_BREAKER_MIN_RPS` or more), calls fail fast for `_BREAKER_HALF_OPEN_MS`,
 *   then one trial call decides. A share, not a count of consecutive
 *   failures: behind a Service, the loss of one replica of several fails a
 *   share of the calls (and their retries reach the others), which must not
 *   cut every tenant off from the replicas that still answer;
 * - timeout: `_TIMEOUT_MS` per attempt.
 *
 * Any of these failing becomes a 503 `<callee>-unavailable` with Retry-After.
 * Trace context travels with the call (the undici instrumentation).
 *
 * Replica affinity: with `<CALLEE>_REPLICA_URLS` and an affinity function, a
 * call with an affinity key goes to that key's replica directly (a
 * StatefulSet pod through its headless Service, whose name resolves only
 * while the pod is ready). When that replica fails a call (unreachable,
 * 502/503/504, or timed out), the attempt counts like any other, the replica
 * gets no calls for REPLICA_EJECTION_MS, and the retry, if the call is
 * retried, like every call meanwhile, goes to `<CALLEE>_URL`. Correctness never depends on it: any replica serves any
 * call; affinity only lets one replica merge a tenant's writes.
 */
export class ServiceClient {
  private readonly reads: IPolicy;
  private readonly writes: IPolicy;
  private readonly logger: Logger;
  /**
   * Keep-alive connections to the callee, as many as calls may be in flight
   * (the bulkhead's `_MAX_CONCURRENCY`). undici's `request` rather than
   * `fetch`: the same client without WHATWG streams, Headers and Response
   * objects per call, a fifth of the api's CPU per request (ADR 0007).
   */
  private readonly service: ServiceReply['service'];
  /** The callee's Service (`<CALLEE>_URL`). */
  private readonly main: Route;
  /** Each replica, by ordinal (`<CALLEE>_REPLICA_URLS`); empty without affinity. */
  private readonly replicas: Route[];

  constructor(
    private readonly target: InternalServiceSettings,
    logger: Logger,
    private readonly affinity?: ReplicaAffinity,
  ) {
    this.service = { name: target.name, title: target.title };
    const routeTo = (base: string): Route => {
      const url = new URL(base);
      return {
        pool: new Pool(url.origin, { connections: target.maxConcurrency }),
        basePath: url.pathname.replace(/\/$/, ''),
      };
    };
    this.main = routeTo(target.url);
    this.replicas = affinity
      ? target.replicaUrls.map((base, ordinal) => ({
          ...routeTo(base),
          replica: { ordinal, ejectedUntil: 0 },
        }))
      : [];
    this.logger = logger.child({ component: `${target.name}-client` });
    const failures = handleWhen((error) => error instanceof Unavailable || isTaskCancelledError(error));
    const unavailable = handleWhen((error) => error instanceof Unavailable);
    const limiter = bulkhead(target.maxConcurrency, target.maxQueue);
    // A call reads its whole answer before returning, so nothing is left to
    // cancel when it returns: aborting then (cockatiel's default) built an
    // AbortError with a stack trace twice per call, 3% of the api's CPU.
    const timing = { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false };
    const deadline = timeout(target.deadlineMs, timing);
    const breaker = circuitBreaker(failures, {
      halfOpenAfter: target.breakerHalfOpenMs,
      breaker: new SamplingBreaker({
        threshold: target.breakerFailurePercent / 100,
        duration: target.breakerWindowMs,
        minimumRps: target.breakerMinRps,
      }),
    });
    breaker.onBreak(() => this.logger.warn({}, `${target.name} circuit breaker opened`));
    breaker.onReset(() => this.logger.info({}, `${target.name} circuit breaker closed`));
    const attempt = timeout(target.timeoutMs, timing);
    const backoff = new ExponentialBackoff({
      generator: fullJitterGenerator,
      initialDelay: 50,
      maxDelay: 1_000,
    });
    const readRetries = retry(failures, { maxAttempts: target.retries, backoff });
    const writeRetries = retry(unavailable, { maxAttempts: target.retries, backoff });
    this.reads = wrap(limiter, deadline, readRetries, breaker, attempt);
    this.writes = wrap(limiter, deadline, writeRetries, breaker, attempt);
  }

  get<T>(path: string): Promise<ServiceReply<T>> {
    return this.call<T>('GET', path, undefined, this.reads);
  }

  /** An idempotent write (its body names what it creates by id); see the class comment. */
  post<T>(path: string, body: unknown, options: CallOptions = {}): Promise<ServiceReply<T>> {
    return this.call<T>('POST', path, body, this.writes, options.affinityKey);
  }

  /** The key's replica while it is not ejected, else the Service. */
  private routeFor(affinityKey: string | undefined): Route {
    if (affinityKey === undefined || this.replicas.length === 0) return this.main;
    const route = this.replicas[this.affinity!(affinityKey, this.replicas.length)];
    return route && route.replica!.ejectedUntil <= Date.now() ? route : this.main;
  }

  private eject(route: Route, reason: string): void {
    if (!route.replica) return;
    route.replica.ejectedUntil = Date.now() + REPLICA_EJECTION_MS;
    this.logger.warn(
      { replica: route.replica.ordinal, reason, ejectionMs: REPLICA_EJECTION_MS },
      `${this.target.name} replica failed a call; its calls go to the Service meanwhile`,
    );
  }

  private async call<T>(
    method: string,
    path: string,
    body: unknown,
    policy: IPolicy,
    affinityKey?: string,
  ): Promise<ServiceReply<T>> {
    try {
      return await policy.execute(async ({ signal }) => {
        const route = this.routeFor(affinityKey);
        let response: Dispatcher.ResponseData;
        try {
          response = await route.pool.request({
            method,
            path: `${route.basePath}${path}`,
            signal,
            headers: {
              authorization: `Bearer ${this.target.token}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
        } catch (error) {
          if (isRefusedRequest(error)) throw error;
          // A replica that does not answer in time is ejected like one that refuses:
          // a frozen pod keeps its connections open and would hold its tenants' calls.
          if (signal.aborted) {
            this.eject(route, 'timed out');
            throw error;
          }
          this.eject(route, (error as Error).message);
          throw new Unavailable((error as Error).message);
        }
        const text = await response.body.text();
        const status = response.statusCode;
        if (UNAVAILABLE_STATUSES.has(status)) {
          this.eject(route, `status ${status}`);
          throw new Unavailable(`status ${status}`);
        }
        return { service: this.service, status, body: parseBody(text) as T };
      });
    } catch (error) {
      if (isRefusedRequest(error)) throw error;
      throw this.unavailable(method, path, error);
    }
  }

  /** Closes the keep-alive connections; the calls in flight finish first. */
  async close(): Promise<void> {
    await Promise.all([this.main, ...this.replicas].map((route) => route.pool.close()));
  }

  private unavailable(method: string, path: string, error: unknown): ProblemException {
    const reason = isBulkheadRejectedError(error)
      ? 'too many calls in flight'
      : isBrokenCircuitError(error)
        ? 'circuit open after repeated failures'
        : isTaskCancelledError(error)
          ? 'timed out'
          : error instanceof Unavailable
            ? error.reason
            : (error as Error).message;
    this.logger.warn({ method, path, reason }, `${this.target.name} call failed`);
    const retryAfterSeconds = isBrokenCircuitError(error)
      ? Math.ceil(this.target.breakerHalfOpenMs / 1000)
      : 1;
    return ProblemException.of(
      HttpStatus.SERVICE_UNAVAILABLE,
      `${this.target.name}-unavailable`,
      `The ${this.target.title} is unavailable`,
      `Nothing was done that a retry cannot repeat safely (${reason}); retry with the same Idempotency-Key.`,
      { retryAfterSeconds },
    );
  }
}

/**
 * The reply of a call that was not a success (anything but 200, 404 and 400,
 * which callers map themselves), as a 502 `<callee>-error`: the callee
 * answered with an error of its own (a bug, logged there). It says nothing
 * about the callee's health, so it is not counted as it being unavailable.
 */
export function serviceErrorProblem(reply: ServiceReply): ProblemException {
  const { name, title } = reply.service;
  return ProblemException.of(
    HttpStatus.BAD_GATEWAY,
    `${name}-error`,
    `The ${title} answered unexpectedly`,
    `The ${title} answered ${reply.status}.`,
  );
}

/**
 * undici refused to send the request (a malformed path or header): a bug of
 * the caller's, which says nothing about the callee. It is neither retried
 * nor counted by the breaker, and surfaces as the 500 it is, so that one
 * tenant's odd input can never open the circuit for every tenant.
 */
const isRefusedRequest = (error: unknown): boolean => error instanceof errors.InvalidArgumentError;

/** JSON, or the text as it came when a service (or a proxy in front of it) answered something else. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const clientToken = (service: string) => `ServiceClient:${service}`;

/** Injects the client of one callee: `@InjectServiceClient('ledger') ledger: ServiceClient`. */
export const InjectServiceClient = (service: string): ParameterDecorator => Inject(clientToken(service));

/**
 * The Nest provider of one callee's client, configured from the app's
 * validated config: `providers: [serviceClientProvider(ledgerTarget)]`. With
 * `affinity`, calls given an affinity key go to the replica it picks (from
 * the config, e.g. the ledger's partition count).
 */
export function serviceClientProvider<N extends string, C = never>(
  target: InternalServiceTarget<N>,
  options: { affinity?: (config: C) => ReplicaAffinity } = {},
): Provider {
  return {
    provide: clientToken(target.name),
    inject: [APP_CONFIG, APP_LOGGER, ShutdownHooks],
    useFactory: (
      config: Parameters<InternalServiceTarget<N>['settingsFrom']>[0],
      logger: Logger,
      hooks: ShutdownHooks,
    ) => {
      const client = new ServiceClient(
        target.settingsFrom(config),
        logger,
        options.affinity?.(config as unknown as C),
      );
      // After the drain: the last calls of the work being drained use the connections.
      hooks.onClose(`${target.name} client`, () => client.close());
      return client;
    },
  };
}
