import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '@meridian/bootstrap';
import type { FastifyReply } from 'fastify';
import type { RateLimitState, TenantRateLimit } from '../infrastructure/redis/tenant-rate-limit';

/** Sets the RateLimit headers of an answer, and refuses the request (429) when the tenant is past its limit. */
export function answerRateLimit(reply: FastifyReply, limit: TenantRateLimit, state: RateLimitState): void {
  void reply.header('ratelimit-limit', String(limit.limit));
  void reply.header('ratelimit-remaining', String(state.remaining));
  void reply.header('ratelimit-reset', String(Math.ceil(state.resetMs / 1000)));
  if (state.allowed) return;
  const retryAfterSeconds = Math.max(1, Math.ceil(state.resetMs / 1000));
  throw ProblemException.of(
    HttpStatus.TOO_MANY_REQUESTS,
    'rate-limited',
    'Too many requests',
    `The tenant's limit is ${limit.limit} requests per ${limit.windowSeconds} s; retry after ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
  );
}
