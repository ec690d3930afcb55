import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '@meridian/bootstrap';
import type { Logger } from '@meridian/telemetry';
import type { FastifyReply } from 'fastify';
import type { RateLimitState, TenantRateLimit } from '../infrastructure/redis/tenant-rate-limit';

/** Sets the RateLimit headers every counted answer carries. */
export function setRateLimitHeaders(
  reply: FastifyReply,
  limit: TenantRateLimit,
  state: RateLimitState,
): void {
  void reply.header('ratelimit-limit', String(limit.limit));
  void reply.header('ratelimit-remaining', String(state.remaining));
  void reply.header('ratelimit-reset', String(Math.ceil(state.resetMs / 1000)));
}

/** The 429 of a tenant past its limit. */
export function rateLimited(limit: TenantRateLimit, state: RateLimitState): ProblemException {
  const retryAfterSeconds = Math.max(1, Math.ceil(state.resetMs / 1000));
  return ProblemException.of(
    HttpStatus.TOO_MANY_REQUESTS,
    'rate-limited',
    'Too many requests',
    `The tenant's limit is ${limit.limit} requests per ${limit.windowSeconds} s; retry after ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
  );
}

/**
 * Counts a request against its tenant's limit and sets the headers; throws the
 * 429 when the tenant is past it. If Redis cannot count, the request passes
 * (logged): a limiter must not turn a Redis hiccup into an outage.
 */
export async function countRequest(
  reply: FastifyReply,
  limit: TenantRateLimit,
  tenantId: string,
  logger: Logger,
): Promise<void> {
  let state: RateLimitState;
  try {
    state = await limit.consume(tenantId);
  } catch (error) {
    logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
    return;
  }
  setRateLimitHeaders(reply, limit, state);
  if (!state.allowed) throw rateLimited(limit, state);
}
