import { Module } from '@nestjs/common';
import { HealthModule, redisCheck } from '@meridian/health';
import { REDIS_CLIENT, RedisModule } from '@meridian/redis';
import type { Redis } from 'ioredis';

/**
 * The api holds no state of its own in memory: idempotency records and rate
 * limits live in Redis, so any replica can serve any request. Readiness
 * checks Redis only; the ledger being down is answered per request with 503,
 * not by taking every api replica out of rotation.
 */
@Module({
  imports: [
    RedisModule.forRoot(),
    HealthModule.forRoot({
      readinessChecks: { inject: [REDIS_CLIENT], useFactory: (redis: Redis) => [redisCheck(redis)] },
    }),
  ],
})
export class ApiModule {}
