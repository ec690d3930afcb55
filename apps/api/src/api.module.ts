import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AdminTokenGuard } from '@meridian/bootstrap';
import { HealthModule, postgresCheck, redisCheck } from '@meridian/health';
import { REDIS_CLIENT, RedisModule } from '@meridian/redis';
import { serviceClientProvider } from '@meridian/service-client';
import type { Redis } from 'ioredis';
import { ledgerAffinity } from '@meridian/ledger-contract';
import { type ApiConfig, ledgerTarget, settlementTarget } from './config';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { IdempotencyStore } from './infrastructure/redis/idempotency.store';
import { PrismaService } from './infrastructure/persistence/prisma.service';
import { PersistenceModule } from './infrastructure/persistence/persistence.module';
import { DocsController } from './http/docs.controller';
import { RateLimitGuard } from './http/rate-limit.guard';
import { TenantRateLimit } from './infrastructure/redis/tenant-rate-limit';
import { TenantConcurrencyGuard } from './http/tenant-concurrency.guard';
import { SettlementsController } from './http/settlements.controller';
import { AdminController } from './http/admin.controller';
import { ApiKeyGuard } from './http/api-key.guard';
import { ApiKeyStore } from './application/api-key.store';
import { AuthFailureLimiter } from './infrastructure/redis/auth-failure.limiter';
import { TenantsService } from './application/tenants.service';
import { AccountsController } from './http/accounts.controller';
import { TransferResultsCompactor } from './http/transfer-results.compactor';
import { AccountTransfersController, TransfersController } from './http/transfers.controller';

/**
 * The public gateway. It keeps nothing in process memory that another
 * replica would need: idempotency records and rate-limit counters live in
 * Redis, tenants and keys in PostgreSQL (a key cache of a few seconds is the
 * only local state). Readiness checks its own stores, not the ledger: a ledger
 * outage is answered per request with 503, not by taking every replica out.
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
  controllers: [
    AccountsController,
    TransfersController,
    AccountTransfersController,
    SettlementsController,
    AdminController,
    DocsController,
  ],
  providers: [
    // A tenant's writes go to the ledger replica that owns its partition (ADR 0020).
    serviceClientProvider(ledgerTarget, {
      affinity: (config: ApiConfig) => ledgerAffinity(config.LEDGER_PARTITIONS),
    }),
    serviceClientProvider(settlementTarget),
    ApiKeyStore,
    ApiKeyGuard,
    AdminTokenGuard,
    RateLimitGuard,
    TenantConcurrencyGuard,
    AuthFailureLimiter,
    TenantsService,
    IdempotencyStore,
    TenantRateLimit,
    TransferResultsCompactor,
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class ApiModule {}
