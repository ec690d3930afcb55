import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { ApiConfig } from '../config';
import { InjectConfig } from '@meridian/config/nest';
import { ProblemException } from '@meridian/bootstrap';
import { InjectRedis } from '@meridian/redis';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { type RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { redisLimiter } from '../infrastructure/redis/redis-limiter';
import { principalOf } from './api-key.guard';

/**
 * Per-tenant rate limit, counted in Redis so every replica shares it:
 * RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS. Every answer carries
 * RateLimit-Limit / -Remaining / -Reset; a refusal is 429 with Retry-After.
 * If Redis cannot count, requests pass (and it is logged): a rate limiter
 * must not turn a Redis hiccup into an outage.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiterRedis;
  private readonly logger: Logger;

  constructor(
    @InjectConfig() private readonly config: ApiConfig,
    @InjectRedis() redis: Redis,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'rate-limit' });
    this.limiter = redisLimiter(redis, config, 'ratelimit', {
      points: config.RATE_LIMIT_REQUESTS,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const principal = principalOf(http.getRequest<FastifyRequest>());
    if (!principal) return true;
    const reply = http.getResponse<FastifyReply>();
    try {
      const state = await this.limiter.consume(principal.tenantId);
      this.headers(reply, state);
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        this.logger.warn({ err: rejection }, 'rate limiter unavailable; letting the request through');
        return true;
      }
      this.headers(reply, rejection);
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw ProblemException.of(
        HttpStatus.TOO_MANY_REQUESTS,
        'rate-limited',
        'Too many requests',
        `The tenant's limit is ${this.config.RATE_LIMIT_REQUESTS} requests per ${this.config.RATE_LIMIT_WINDOW_SECONDS} s; retry after ${retryAfterSeconds} s.`,
        { retryAfterSeconds },
      );
    }
  }

  private headers(reply: FastifyReply, state: RateLimiterRes): void {
    void reply.header('ratelimit-limit', String(this.config.RATE_LIMIT_REQUESTS));
    void reply.header('ratelimit-remaining', String(Math.max(0, state.remainingPoints)));
    void reply.header('ratelimit-reset', String(Math.ceil(state.msBeforeNext / 1000)));
  }
}
