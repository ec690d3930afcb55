import { Module } from '@nestjs/common';
import { HealthModule, postgresCheck, redisCheck } from '@meridian/health';
import { LedgerClient } from '@meridian/ledger-client';
import { REDIS_CLIENT, RedisModule } from '@meridian/redis';
import type { Redis } from 'ioredis';
import { CutoffService } from './application/cutoff.service';
import { ObligationsService } from './application/obligations.service';
import { SettlementMetrics } from './application/settlement-metrics';
import { SettlementsController } from './http/settlements.controller';
import { PersistenceModule } from './infrastructure/persistence/persistence.module';
import { PrismaService } from './infrastructure/persistence/prisma.service';
import { CutoffJobs } from './infrastructure/queue/cutoff-jobs';
import { LedgerEventsWorker } from './infrastructure/queue/ledger-events.worker';
import { QueueDepthMetrics } from './infrastructure/queue/queue-depth.metrics';

/**
 * The settlement worker: ledger events become obligations; cut-offs net and
 * settle them through the ledger. Its HTTP server serves probes, metrics and
 * the internal API. Ready means PostgreSQL and Redis answer.
 */
@Module({
  imports: [
    RedisModule.forRoot(),
    PersistenceModule,
    HealthModule.forRoot({
      imports: [PersistenceModule],
      readinessChecks: {
        inject: [REDIS_CLIENT, PrismaService],
        useFactory: (redis: Redis, prisma: PrismaService) => [
          redisCheck(redis),
          postgresCheck(() => prisma.$queryRaw`SELECT 1`),
        ],
      },
    }),
  ],
  controllers: [SettlementsController],
  providers: [
    LedgerClient,
    SettlementMetrics,
    ObligationsService,
    CutoffService,
    LedgerEventsWorker,
    CutoffJobs,
    QueueDepthMetrics,
  ],
})
export class SettlementModule {}
