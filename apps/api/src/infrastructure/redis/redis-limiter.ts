import type { ApiConfig } from '../../config';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';

/**
 * A count of `points` per window, kept in Redis under the service's key
 * prefix, so every replica shares it: the rate limit per tenant and the
 * failed-authentication limit per client address are both one of these.
 */
export function redisLimiter(
  redis: Redis,
  config: Pick<ApiConfig, 'REDIS_KEY_PREFIX'>,
  name: string,
  limit: { points: number; windowSeconds: number },
): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${config.REDIS_KEY_PREFIX}:${name}`,
    points: limit.points,
    duration: limit.windowSeconds,
  });
}
