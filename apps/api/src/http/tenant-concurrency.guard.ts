import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { TenantRateLimit } from '../infrastructure/redis/tenant-rate-limit';
import { IDEMPOTENT } from './idempotency.interceptor';
import { countRequest } from './rate-limit-answer';
import type { ApiConfig } from '../config';
import { InjectConfig } from '@meridian/config/nest';
import { ProblemException } from '@meridian/bootstrap';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from './api-key.guard';

/**
 * At most TENANT_MAX_IN_FLIGHT requests of one tenant at once on this
 * replica; more get 429 at once. The rate limit bounds how often a tenant
 * calls, this how much of the replica (and of its bounded pool of ledger
 * calls) it can hold at a time: slow, heavy requests of one tenant cannot
 * crowd out the others. Counted in process: it guards this process's slots.
 */
@Injectable()
export class TenantConcurrencyGuard implements CanActivate {
  private readonly inFlight = new Map<string, number>();
  private readonly logger: Logger;

  constructor(
    @InjectConfig() private readonly config: ApiConfig,
    private readonly rateLimit: TenantRateLimit,
    private readonly reflector: Reflector,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'tenant-concurrency' });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const tenantId = principalOf(http.getRequest<FastifyRequest>())?.tenantId;
    if (tenantId === undefined) return true;
    const current = this.inFlight.get(tenantId) ?? 0;
    if (current >= this.config.TENANT_MAX_IN_FLIGHT) {
      // A write is counted by its claim, which a refusal here never reaches: it counts now.
      if (this.reflector.get(IDEMPOTENT, context.getHandler()))
        await countRequest(http.getResponse<FastifyReply>(), this.rateLimit, tenantId, this.logger);
      throw ProblemException.of(
        HttpStatus.TOO_MANY_REQUESTS,
        'tenant-concurrency-exceeded',
        'Too many requests in progress',
        `The tenant may have ${this.config.TENANT_MAX_IN_FLIGHT} requests in progress at once; retry when one completes.`,
        { retryAfterSeconds: 1 },
      );
    }
    this.inFlight.set(tenantId, current + 1);
    // 'close' comes once the response is sent or the connection is gone, whichever is first.
    http.getResponse<FastifyReply>().raw.once('close', () => {
      const left = (this.inFlight.get(tenantId) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(tenantId);
      else this.inFlight.set(tenantId, left);
    });
    return true;
  }
}
