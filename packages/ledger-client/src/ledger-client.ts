import { HttpStatus, Injectable } from '@nestjs/common';
import type { LedgerClientConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { ProblemException } from '@meridian/bootstrap';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import {
  bulkhead,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  type IPolicy,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTaskCancelledError,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';

/** The ledger answered (any status): its reply, JSON-decoded. */
export interface LedgerReply<T = unknown> {
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

/** Where an internal service is, and the token it takes. */
export interface ServiceEndpoint {
  /** Names the service in problems (`<name>-unavailable`) and logs. */
  name: string;
  baseUrl: string;
  token: string;
}

/**
 * How Meridian's services call each other (the ledger, the settlement
 * worker's internal API), with the resilience a payment path needs, built
 * from cockatiel policies (outermost first). The LEDGER_* settings tune it:
 *
 * - bulkhead: at most LEDGER_MAX_CONCURRENCY calls in flight and
 *   LEDGER_MAX_QUEUE waiting; beyond that a request fails at once instead of
 *   queueing without bound;
 * - deadline: LEDGER_DEADLINE_MS for the whole call, retries included;
 * - retry: LEDGER_RETRIES more attempts, exponential backoff with full
 *   jitter. A GET is retried when the service is unavailable or an attempt
 *   timed out; a POST only when the service is unavailable (nothing reached
 *   it, or it refused with 503): every write of Meridian's internal APIs is
 *   idempotent by the id in its body, so a resend cannot apply twice, and a
 *   timed-out write is left to the caller's own retry rather than doubled
 *   under load. Use `post` only for such writes;
 * - circuit breaker: after LEDGER_BREAKER_FAILURES consecutive failures
 *   (unavailable or timed out) calls fail fast for
 *   LEDGER_BREAKER_HALF_OPEN_MS, then one trial call decides;
 * - timeout: LEDGER_TIMEOUT_MS per attempt.
 *
 * Any of these failing becomes a 503 `<service>-unavailable` with Retry-After.
 * Trace context travels with the call (the undici instrumentation).
 */
export class ServiceClient {
  private readonly reads: IPolicy;
  private readonly writes: IPolicy;
  private readonly logger: Logger;

  constructor(
    private readonly endpoint: ServiceEndpoint,
    private readonly config: LedgerClientConfig,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: `${endpoint.name}-client` });
    const failures = handleWhen((error) => error instanceof Unavailable || isTaskCancelledError(error));
    const unavailable = handleWhen((error) => error instanceof Unavailable);
    const limiter = bulkhead(config.LEDGER_MAX_CONCURRENCY, config.LEDGER_MAX_QUEUE);
    const deadline = timeout(config.LEDGER_DEADLINE_MS, TimeoutStrategy.Aggressive);
    const breaker = circuitBreaker(failures, {
      halfOpenAfter: config.LEDGER_BREAKER_HALF_OPEN_MS,
      breaker: new ConsecutiveBreaker(config.LEDGER_BREAKER_FAILURES),
    });
    breaker.onBreak(() => this.logger.warn({}, `${endpoint.name} circuit breaker opened`));
    breaker.onReset(() => this.logger.info({}, `${endpoint.name} circuit breaker closed`));
    const attempt = timeout(config.LEDGER_TIMEOUT_MS, TimeoutStrategy.Aggressive);
    const backoff = new ExponentialBackoff({
      generator: fullJitterGenerator,
      initialDelay: 50,
      maxDelay: 1_000,
    });
    const readRetries = retry(failures, { maxAttempts: config.LEDGER_RETRIES, backoff });
    const writeRetries = retry(unavailable, { maxAttempts: config.LEDGER_RETRIES, backoff });
    this.reads = wrap(limiter, deadline, readRetries, breaker, attempt);
    this.writes = wrap(limiter, deadline, writeRetries, breaker, attempt);
  }

  get<T>(path: string): Promise<LedgerReply<T>> {
    return this.call<T>('GET', path, undefined, this.reads);
  }

  /** An idempotent write (its body names what it creates by id); see the class comment. */
  post<T>(path: string, body: unknown): Promise<LedgerReply<T>> {
    return this.call<T>('POST', path, body, this.writes);
  }

  private async call<T>(
    method: string,
    path: string,
    body: unknown,
    policy: IPolicy,
  ): Promise<LedgerReply<T>> {
    try {
      return await policy.execute(async ({ signal }) => {
        let response: Response;
        try {
          response = await fetch(`${this.endpoint.baseUrl}${path}`, {
            method,
            signal,
            headers: {
              authorization: `Bearer ${this.endpoint.token}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
        } catch (error) {
          if (signal.aborted) throw error;
          throw new Unavailable((error as Error).message);
        }
        const text = await response.text();
        if (UNAVAILABLE_STATUSES.has(response.status)) throw new Unavailable(`status ${response.status}`);
        return { status: response.status, body: parseBody(text) as T };
      });
    } catch (error) {
      throw this.unavailable(method, path, error);
    }
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
    this.logger.warn({ method, path, reason }, `${this.endpoint.name} call failed`);
    const retryAfterSeconds = isBrokenCircuitError(error)
      ? Math.ceil(this.config.LEDGER_BREAKER_HALF_OPEN_MS / 1000)
      : 1;
    return ProblemException.of(
      HttpStatus.SERVICE_UNAVAILABLE,
      `${this.endpoint.name}-unavailable`,
      `The ${this.endpoint.name} is unavailable`,
      `Nothing was done that a retry cannot repeat safely (${reason}); retry with the same Idempotency-Key.`,
      { retryAfterSeconds },
    );
  }
}

/** JSON, or the text as it came when a service (or a proxy in front of it) answered something else. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The ledger, as the api and the settlement worker call it (LEDGER_URL, LEDGER_TOKEN: each its own). */
@Injectable()
export class LedgerClient extends ServiceClient {
  constructor(@InjectConfig() config: LedgerClientConfig, @InjectLogger() logger: Logger) {
    super({ name: 'ledger', baseUrl: config.LEDGER_URL, token: config.LEDGER_TOKEN }, config, logger);
  }
}
