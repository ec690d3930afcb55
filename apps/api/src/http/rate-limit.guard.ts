import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type RateLimitState, TenantRateLimit } from '../infrastructure/redis/tenant-rate-limit';
import { principalOf } from './api-key.guard';
import { IDEMPOTENT } from './idempotency.interceptor';
import { answerRateLimit } from './rate-limit-answer';

/**
 * Per-tenant rate limit, counted in Redis so every replica shares it:
 * RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS. Every answer carries
 * RateLimit-Limit / -Remaining / -Reset; a refusal is 429 with Retry-After.
 * If Redis cannot count, requests pass (and it is logged): a rate limiter
 * must not turn a Redis hiccup into an outage.
 *
 * Routes marked @Idempotent() are counted by the Idempotency-Key claim
 * instead, in the same Redis script (IdempotencyInterceptor), so a write
 * costs one round trip before the ledger call; a write refused before its
 * claim (no Idempotency-Key: 400) is not counted.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger: Logger;

  constructor(
    private readonly rateLimit: TenantRateLimit,
    private readonly reflector: Reflector,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'rate-limit' });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.get(IDEMPOTENT, context.getHandler())) return true;
    const http = context.switchToHttp();
    const principal = principalOf(http.getRequest<FastifyRequest>());
    if (!principal) return true;
    let state: RateLimitState;
    try {
      state = await this.rateLimit.consume(principal.tenantId);
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
      return true;
    }
    answerRateLimit(http.getResponse<FastifyReply>(), this.rateLimit, state);
    return true;
  }
}
