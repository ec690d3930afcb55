import { Injectable } from '@nestjs/common';
import type { ApiConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { InjectRedis } from '@meridian/redis';
import type { Redis } from 'ioredis';

/** Where a tenant stands in its rate-limit window after a request was counted. */
export interface RateLimitState {
  allowed: boolean;
  remaining: number;
  /** Milliseconds until the window ends and the count starts over. */
  resetMs: number;
}

/**
 * Lua that counts one request in a fixed window and leaves `count` and `ttl`
 * (ms) in locals: the same key and arithmetic as rate-limiter-flexible's
 * RateLimiterRedis (which counted it before), so replicas of either release
 * share one count during a rolling update. The idempotency claim runs it in
 * its own script, so a write costs one Redis round trip before the ledger call.
 */
export const COUNT_REQUEST = (key: string, windowMs: string) => `
local count = redis.pcall('INCR', ${key})
if type(count) == 'table' then
  -- Not a counter (nothing of ours writes one): start it over rather than fail every request.
  redis.call('DEL', ${key})
  count = redis.call('INCR', ${key})
end
local ttl = redis.call('PTTL', ${key})
if ttl < 0 then
  redis.call('PEXPIRE', ${key}, ${windowMs})
  ttl = tonumber(${windowMs})
end`;

/** KEYS: the tenant's counter. ARGV: window ms. */
const CONSUME = `${COUNT_REQUEST('KEYS[1]', 'ARGV[1]')}
return {count, ttl}`;

/**
 * The per-tenant rate limit, counted in Redis so every replica shares it:
 * RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS, a fixed window. Once a
 * tenant is refused, this replica refuses it in process until the window
 * ends (as rate-limiter-flexible's inMemoryBlockOnConsumed did): a flood past
 * the limit costs neither Redis nor the work before the count.
 */
@Injectable()
export class TenantRateLimit {
  /** Tenants refused in their current window, with when that window ends (performance.now() ms). */
  readonly #refusedUntil = new Map<string, number>();

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: ApiConfig,
  ) {}

  get limit(): number {
    return this.config.RATE_LIMIT_REQUESTS;
  }

  get windowSeconds(): number {
    return this.config.RATE_LIMIT_WINDOW_SECONDS;
  }

  /** The Redis key of the tenant's count, and the script arguments that go with it. */
  counterOf(tenantId: string): { key: string; windowMs: string } {
    return {
      key: `${this.config.REDIS_KEY_PREFIX}:ratelimit:${tenantId}`,
      windowMs: String(this.config.RATE_LIMIT_WINDOW_SECONDS * 1_000),
    };
  }

  /** Counts a request of the tenant's (in process while the tenant is refused). */
  async consume(tenantId: string): Promise<RateLimitState> {
    const refused = this.refusedLocally(tenantId);
    if (refused) return refused;
    const { key, windowMs } = this.counterOf(tenantId);
    const [count, ttl] = (await this.redis.eval(CONSUME, 1, key, windowMs)) as [number, number];
    return this.counted(tenantId, count, ttl);
  }

  /** The refusal of a tenant this replica saw refused in its current window, if it is. */
  refusedLocally(tenantId: string): RateLimitState | undefined {
    const until = this.#refusedUntil.get(tenantId);
    if (until === undefined) return undefined;
    const resetMs = Math.ceil(until - performance.now());
    if (resetMs > 0) return { allowed: false, remaining: 0, resetMs };
    this.#refusedUntil.delete(tenantId);
    return undefined;
  }

  /** The state after `count` requests in a window with `ttl` ms left (as the scripts answer); a refusal is remembered. */
  counted(tenantId: string, count: number, ttl: number): RateLimitState {
    const allowed = count <= this.config.RATE_LIMIT_REQUESTS;
    if (!allowed) this.#refusedUntil.set(tenantId, performance.now() + ttl);
    return { allowed, remaining: Math.max(0, this.config.RATE_LIMIT_REQUESTS - count), resetMs: ttl };
  }
}
