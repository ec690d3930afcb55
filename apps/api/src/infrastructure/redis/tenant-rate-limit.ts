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
local count = redis.call('INCR', ${key})
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
 * RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS, a fixed window.
 */
@Injectable()
export class TenantRateLimit {
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

  /** Counts a request of the tenant's. */
  async consume(tenantId: string): Promise<RateLimitState> {
    const { key, windowMs } = this.counterOf(tenantId);
    const [count, ttl] = (await this.redis.eval(CONSUME, 1, key, windowMs)) as [number, number];
    return this.stateOf(count, ttl);
  }

  /** The state after `count` requests in a window with `ttl` ms left, as the scripts answer them. */
  stateOf(count: number, ttl: number): RateLimitState {
    return {
      allowed: count <= this.config.RATE_LIMIT_REQUESTS,
      remaining: Math.max(0, this.config.RATE_LIMIT_REQUESTS - count),
      resetMs: ttl,
    };
  }
}
