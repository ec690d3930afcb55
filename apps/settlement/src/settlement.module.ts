import { Module } from '@nestjs/common';
import { HealthModule, postgresCheck, redisCheck } from '@meridian/health';
import { REDIS_CLIENT, RedisModule } from '@meridian/redis';
import { serviceClientProvider } from '@meridian/service-client';
import type { Redis } from 'ioredis';
import { ledgerAffinity } from '@meridian/ledger-contract';
import { ledgerTarget, type SettlementConfig } from './config';
import { CutoffService } from './application/cutoff.service';
import { InstructionPoster } from './application/instruction-poster';
import { ObligationsService } from './application/obligations.service';
import { OperatorRequests } from './application/operator-requests';
import { SettlementAccounts } from './application/settlement-accounts';
import { SettlementMetrics } from './application/settlement-metrics';
import { AdminInstructionsController } from './http/admin-instructions.controller';
import { SettlementViews } from './http/settlement-views';
import { SettlementsController } from './http/settlements.controller';
import { InstructionGauges } from './infrastructure/persistence/instruction-gauges';
import { PersistenceModule } from './infrastructure/persistence/persistence.module';
import { PrismaService } from './infrastructure/persistence/prisma.service';
import { CutoffJobs } from './infrastructure/queue/cutoff-jobs';
import { LedgerEventsWorker } from './infrastructure/queue/ledger-events.worker';
import { QueueDepthMetrics } from './infrastructure/queue/queue-depth.metrics';
import { InstructionRetryLoop } from './infrastructure/retry/instruction-retry.loop';

/**
 * The settlement worker: ledger events become obligations; cut-offs net them
 * into instructions, each posted to the ledger on its own and retried in the
 * background until posted (or cancelled by an operator). Its HTTP server
 * serves probes, metrics, the internal API and the operator's /admin API.
 * Ready means PostgreSQL and Redis answer.
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
  controllers: [SettlementsController, AdminInstructionsController],
  providers: [
    // A tenant's writes go to the ledger replica that owns its partition (ADR 0020).
    serviceClientProvider(ledgerTarget, {
      affinity: (config: SettlementConfig) => ledgerAffinity(config.LEDGER_PARTITIONS),
    }),
    SettlementMetrics,
    ObligationsService,
    SettlementAccounts,
    OperatorRequests,
    InstructionPoster,
    CutoffService,
    SettlementViews,
    LedgerEventsWorker,
    CutoffJobs,
    InstructionRetryLoop,
    QueueDepthMetrics,
    InstructionGauges,
  ],
})
export class SettlementModule {}
