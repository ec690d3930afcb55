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

/** The ledger could not be reached or did not answer in time (a 5xx counts too). */
class LedgerUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`ledger unavailable: ${reason}`);
  }
}

/**
 * How the api and the settlement worker call the ledger, with the resilience
 * a payment path needs,
 * built from cockatiel policies (outermost first):
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
 * Any of these failing becomes a 503 `ledger-unavailable` with Retry-After.
 * Trace context travels with the call (the undici instrumentation).
 */
@Injectable()
export class LedgerClient {
  private readonly idempotent: IPolicy;
  private readonly nonIdempotent: IPolicy;
  private readonly logger: Logger;

  constructor(
    @InjectConfig() private readonly config: LedgerClientConfig,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'ledger-client' });
    const failures = handleWhen((error) => error instanceof LedgerUnavailable || isTaskCancelledError(error));
    const limiter = bulkhead(config.LEDGER_MAX_CONCURRENCY, config.LEDGER_MAX_QUEUE);
    const deadline = timeout(config.LEDGER_DEADLINE_MS, TimeoutStrategy.Aggressive);
    const breaker = circuitBreaker(failures, {
      halfOpenAfter: config.LEDGER_BREAKER_HALF_OPEN_MS,
      breaker: new ConsecutiveBreaker(config.LEDGER_BREAKER_FAILURES),
    });
    breaker.onBreak(() => this.logger.warn({}, 'ledger circuit breaker opened'));
    breaker.onReset(() => this.logger.info({}, 'ledger circuit breaker closed'));
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
          response = await fetch(`${this.config.LEDGER_URL}${path}`, {
            method,
            signal,
            headers: {
              authorization: `Bearer ${this.config.LEDGER_SERVICE_TOKEN}`,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
        } catch (error) {
          if (signal.aborted) throw error;
          throw new LedgerUnavailable((error as Error).message);
        }
        const text = await response.text();
        if (response.status >= 500) throw new LedgerUnavailable(`status ${response.status}`);
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
          : error instanceof LedgerUnavailable
            ? error.reason
            : (error as Error).message;
    this.logger.warn({ method, path, reason }, 'ledger call failed');
    const retryAfterSeconds = isBrokenCircuitError(error)
      ? Math.ceil(this.config.LEDGER_BREAKER_HALF_OPEN_MS / 1000)
      : 1;
    return ProblemException.of(
      HttpStatus.SERVICE_UNAVAILABLE,
      'ledger-unavailable',
      'The ledger is unavailable',
      `Nothing was done that a retry cannot repeat safely (${reason}); retry with the same Idempotency-Key.`,
      { retryAfterSeconds },
    );
  }
}
