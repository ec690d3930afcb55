import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { HealthModule, postgresCheck, redisCheck } from '@meridian/health';
import { REDIS_CLIENT, RedisModule } from '@meridian/redis';
import { serviceClientProvider } from '@meridian/service-client';
import type { Redis } from 'ioredis';
import { ledgerTarget, settlementTarget } from './config';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { PrismaService } from './infrastructure/persistence/prisma.service';
import { PersistenceModule } from './infrastructure/persistence/persistence.module';
import { DocsController } from './openapi/docs.controller';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { TenantConcurrencyGuard } from './rate-limit/tenant-concurrency.guard';
import { SettlementsController } from './settlements/settlements.controller';
import { AdminController } from './tenancy/admin.controller';
import { AdminTokenGuard } from './tenancy/admin-token.guard';
import { ApiKeyGuard } from './tenancy/api-key.guard';
import { ApiKeyStore } from './tenancy/api-key.store';
import { AuthFailureLimiter } from './tenancy/auth-failure.limiter';
import { TenantsService } from './tenancy/tenants.service';
import { AccountsController } from './v1/accounts.controller';
import { TransferResultsCompactor } from './v1/transfer-results.compactor';
import { AccountTransfersController, TransfersController } from './v1/transfers.controller';

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
    serviceClientProvider(ledgerTarget),
    serviceClientProvider(settlementTarget),
    ApiKeyStore,
    ApiKeyGuard,
    AdminTokenGuard,
    RateLimitGuard,
    TenantConcurrencyGuard,
    AuthFailureLimiter,
    TenantsService,
    IdempotencyStore,
    TransferResultsCompactor,
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class ApiModule {}
