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
  private readonly pool: Pool;
  /** The target URL's path, when the callee is mounted under one. */
  private readonly basePath: string;
  private readonly service: ServiceReply['service'];

  constructor(
    private readonly target: InternalServiceSettings,
    logger: Logger,
  ) {
    this.service = { name: target.name, title: target.title };
    const url = new URL(target.url);
    this.pool = new Pool(url.origin, { connections: target.maxConcurrency });
    this.basePath = url.pathname.replace(/\/$/, '');
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
  post<T>(path: string, body: unknown): Promise<ServiceReply<T>> {
    return this.call<T>('POST', path, body, this.writes);
  }

  private async call<T>(
    method: string,
    path: string,
    body: unknown,
    policy: IPolicy,
  ): Promise<ServiceReply<T>> {
    try {
      return await policy.execute(async ({ signal }) => {
        let response: Dispatcher.ResponseData;
        try {
          response = await this.pool.request({
            method,
            path: `${this.basePath}${path}`,
            signal,
            headers: {
              authorization: `Bearer ${this.target.token}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
        } catch (error) {
          if (signal.aborted || isRefusedRequest(error)) throw error;
          throw new Unavailable((error as Error).message);
        }
        const text = await response.body.text();
        const status = response.statusCode;
        if (UNAVAILABLE_STATUSES.has(status)) throw new Unavailable(`status ${status}`);
        return { service: this.service, status, body: parseBody(text) as T };
      });
    } catch (error) {
      if (isRefusedRequest(error)) throw error;
      throw this.unavailable(method, path, error);
    }
  }

  /** Closes the keep-alive connections; the calls in flight finish first. */
  close(): Promise<void> {
    return this.pool.close();
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
 * validated config: `providers: [serviceClientProvider(ledgerTarget)]`.
 */
export function serviceClientProvider<N extends string>(target: InternalServiceTarget<N>): Provider {
  return {
    provide: clientToken(target.name),
    inject: [APP_CONFIG, APP_LOGGER, ShutdownHooks],
    useFactory: (
      config: Parameters<InternalServiceTarget<N>['settingsFrom']>[0],
      logger: Logger,
      hooks: ShutdownHooks,
    ) => {
      const client = new ServiceClient(target.settingsFrom(config), logger);
      // After the drain: the last calls of the work being drained use the connections.
      hooks.onClose(`${target.name} client`, () => client.close());
      return client;
    },
  };
}
