/**
 * A dependency the service needs in order to serve. `check` resolves when the
 * dependency answers and throws (or is aborted by the timeout) otherwise.
 */
export interface ReadinessCheck {
  name: string;
  check: (options: { signal: AbortSignal }) => Promise<unknown>;
  timeoutMs?: number;
}

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
