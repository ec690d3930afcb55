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

/** The service could not be reached or did not answer in time (a 5xx counts too). */
class Unavailable extends Error {
  constructor(readonly reason: string) {
    super(`unavailable: ${reason}`);
  }
}

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
 * - retry (GET only): LEDGER_RETRIES more attempts, exponential backoff with
 *   full jitter. POSTs are never retried here: their safety comes from ids and
 *   the client's Idempotency-Key, not from a blind resend;
 * - circuit breaker: after LEDGER_BREAKER_FAILURES consecutive failures calls
 *   fail fast for LEDGER_BREAKER_HALF_OPEN_MS, then one trial call decides;
 * - timeout: LEDGER_TIMEOUT_MS per attempt.
 *
 * Any of these failing becomes a 503 `<service>-unavailable` with Retry-After.
 * Trace context travels with the call (the undici instrumentation).
 */
export class ServiceClient {
  private readonly idempotent: IPolicy;
  private readonly nonIdempotent: IPolicy;
  private readonly logger: Logger;

  constructor(
    private readonly endpoint: ServiceEndpoint,
    private readonly config: LedgerClientConfig,
    logger: Logger,
  ) {
    this.logger = logger.child({ component: `${endpoint.name}-client` });
    const failures = handleWhen((error) => error instanceof Unavailable || isTaskCancelledError(error));
    const limiter = bulkhead(config.LEDGER_MAX_CONCURRENCY, config.LEDGER_MAX_QUEUE);
    const deadline = timeout(config.LEDGER_DEADLINE_MS, TimeoutStrategy.Aggressive);
    const breaker = circuitBreaker(failures, {
      halfOpenAfter: config.LEDGER_BREAKER_HALF_OPEN_MS,
      breaker: new ConsecutiveBreaker(config.LEDGER_BREAKER_FAILURES),
    });
    breaker.onBreak(() => this.logger.warn({}, `${endpoint.name} circuit breaker opened`));
    breaker.onReset(() => this.logger.info({}, `${endpoint.name} circuit breaker closed`));
    const attempt = timeout(config.LEDGER_TIMEOUT_MS, TimeoutStrategy.Aggressive);
    const retries = retry(failures, {
      maxAttempts: config.LEDGER_RETRIES,
      backoff: new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: 50, maxDelay: 1_000 }),
    });
    this.idempotent = wrap(limiter, deadline, retries, breaker, attempt);
    this.nonIdempotent = wrap(limiter, deadline, breaker, attempt);
  }

  get<T>(path: string): Promise<LedgerReply<T>> {
    return this.call<T>('GET', path, undefined, this.idempotent);
  }

  post<T>(path: string, body: unknown): Promise<LedgerReply<T>> {
    return this.call<T>('POST', path, body, this.nonIdempotent);
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
        if (response.status >= 500) throw new Unavailable(`status ${response.status}`);
        return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
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

/** The ledger, as the api and the settlement worker call it (LEDGER_URL, LEDGER_SERVICE_TOKEN). */
@Injectable()
export class LedgerClient extends ServiceClient {
  constructor(@InjectConfig() config: LedgerClientConfig, @InjectLogger() logger: Logger) {
    super({ name: 'ledger', baseUrl: config.LEDGER_URL, token: config.LEDGER_SERVICE_TOKEN }, config, logger);
  }
}
