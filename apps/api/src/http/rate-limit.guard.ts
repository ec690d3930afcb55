import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TenantRateLimit } from '../infrastructure/redis/tenant-rate-limit';
import { principalOf } from './api-key.guard';
import { IDEMPOTENT } from './idempotency.interceptor';
import { countRequest } from './rate-limit-answer';

/**
 * Per-tenant rate limit, counted in Redis so every replica shares it:
 * RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS. Every answer carries
 * RateLimit-Limit / -Remaining / -Reset; a refusal is 429 with Retry-After.
 *
 * Routes marked @Idempotent() are counted by the Idempotency-Key claim
 * instead, in the same Redis script (IdempotencyInterceptor), so a write
 * costs one round trip before the ledger call; a write refused before its
 * claim (no Idempotency-Key, or too many in flight) is counted on its way
 * out, so every request of a tenant counts. Redis unreachable: reads pass,
 * writes answer 503 (their claim cannot be made).
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
    if (principal)
      await countRequest(http.getResponse<FastifyReply>(), this.rateLimit, principal.tenantId, this.logger);
    return true;
  }
}
