import { Module } from '@nestjs/common';
import { HealthModule, redisCheck } from '@meridian/health';
import { REDIS_CLIENT, RedisModule } from '@meridian/redis';
import type { Redis } from 'ioredis';
import { LedgerEventsWorker } from './ledger-events.worker';

@Module({
  imports: [
    RedisModule.forRoot(),
    HealthModule.forRoot({
      readinessChecks: { inject: [REDIS_CLIENT], useFactory: (redis: Redis) => [redisCheck(redis)] },
    }),
  ],
  providers: [LedgerEventsWorker],
})
export class SettlementModule {}
