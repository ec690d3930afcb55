import { Injectable } from '@nestjs/common';
import type { ApiConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { InjectRedis } from '@meridian/redis';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import type { Redis } from 'ioredis';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import { redisLimiter } from './redis-limiter';

/**
 * Failed authentications per client address (request.ip; behind proxies see
 * TRUST_PROXY_HOPS), counted in Redis so every replica shares them. Past
 * AUTH_FAILURE_LIMIT per window, an address is refused anything that would
 * need the database to verify: guessing keys costs the guesser, not the
 * database, while keys already verified (cached) keep working from the same
 * address (a shared NAT, an ingress without forwarded addresses). If Redis
 * cannot count, nothing is blocked.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limiter: RateLimiterRedis;
  private readonly logger: Logger;

  constructor(
    @InjectConfig() private readonly config: ApiConfig,
    @InjectRedis() redis: Redis,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'auth-failures' });
    this.limiter = redisLimiter(redis, config, 'auth-failures', {
      points: config.AUTH_FAILURE_LIMIT,
      windowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS,
    });
  }

  /** Seconds until the address may try again, or 0 when it may now. */
  async blockedFor(address: string): Promise<number> {
    try {
      const state = await this.limiter.get(address);
      if (!state || state.consumedPoints < this.config.AUTH_FAILURE_LIMIT) return 0;
      return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    } catch (error) {
      this.logger.warn({ err: error }, 'auth failure limiter unavailable; not blocking');
      return 0;
    }
  }

  async recordFailure(address: string): Promise<void> {
    // penalty() counts without rejecting: the refusal is blockedFor's job.
    await this.limiter.penalty(address).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'auth failure limiter unavailable; failure not counted');
    });
  }
}
