/**
 * A dependency the service needs in order to serve. `check` resolves when the
 * dependency answers and throws (or is aborted by the timeout) otherwise.
 */
export interface ReadinessCheck {
  name: string;
  check: (options: { signal: AbortSignal }) => Promise<unknown>;
  timeoutMs?: number;
  /**
   * How long the dependency must keep failing, check after check, before the
   * service says it is not ready (default 3 s). One blip (a connection
   * dropped, a restart of a second) hits every replica at once: reporting it
   * would take all of them out of the load balancer together, turning a
   * blip that retries absorb into an outage.
   */
  failureGraceMs?: number;
}

/** Remembers since when each check has been failing, for `failureGraceMs`. */
export class ReadinessHistory {
  readonly #failingSince = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records one result; true when the check counts as down. */
  record(check: ReadinessCheck, ok: boolean): boolean {
    if (ok) {
      this.#failingSince.delete(check.name);
      return false;
    }
    const since = this.#failingSince.get(check.name) ?? this.now();
    this.#failingSince.set(check.name, since);
    return this.now() - since >= (check.failureGraceMs ?? DEFAULT_FAILURE_GRACE_MS);
  }
}

const DEFAULT_FAILURE_GRACE_MS = 3_000;

/** Injection token of the service's readiness checks. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** PostgreSQL answers a trivial query. */
export function postgresCheck(query: () => Promise<unknown>, name = 'postgres'): ReadinessCheck {
  return { name, check: () => query() };
}

/** Redis answers PING. */
export function redisCheck(client: { ping(): Promise<string> }, name = 'redis'): ReadinessCheck {
  return {
    name,
    check: async () => {
      const reply = await client.ping();
      if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
    },
  };
}
