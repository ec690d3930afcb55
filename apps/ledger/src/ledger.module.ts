import { Module } from '@nestjs/common';
import { HealthModule, postgresCheck } from '@meridian/health';
import { PostingMetrics } from './application/posting-metrics';
import { PostingService } from './application/posting.service';
import { TransferPosting } from './application/transfer-posting';
import { CreateAccountsController } from './http/create-accounts.controller';
import { CreateAccountsService } from './application/create-accounts.service';
import { CreateTransfersController } from './http/create-transfers.controller';
import { ResolvePendingTransferController } from './http/resolve-pending-transfer.controller';
import { PendingExpirySweeper } from './infrastructure/expiry/pending-expiry.sweeper';
import { OutboxRelay } from './infrastructure/outbox/outbox-relay';
import { PartitionOwnership } from './infrastructure/partitions/partition-ownership';
import { PersistenceModule } from './infrastructure/persistence/persistence.module';
import { PrismaService } from './infrastructure/persistence/prisma.service';
import { AccountsQueryController } from './http/accounts-query.controller';
import { TransfersQueryController } from './http/transfers-query.controller';

/**
 * The ledger: transfer commands (create transfers, resolve pending transfers)
 * go through the posting engine, accounts through CreateAccountsService, and
 * reads through the LedgerQueries port; PersistenceModule implements the
 * ports with Prisma. The outbox relay and the expiry sweeper run in the
 * background of every replica, each on the partitions that replica owns
 * (PartitionOwnership: by ordinal, fenced by PostgreSQL advisory locks).
 * Readiness checks PostgreSQL only: without Redis the ledger still accepts
 * transfers, and the outbox holds their events until the relay can publish.
 * Nor does it wait for partitions: any replica serves any tenant, and a
 * replica that waited for a lock to be ready would stall a rolling update
 * whose previous holder is replaced only after it is ready.
 */
@Module({
  imports: [
    PersistenceModule,
    HealthModule.forRoot({
      imports: [PersistenceModule],
      readinessChecks: {
        inject: [PrismaService],
        useFactory: (prisma: PrismaService) => [postgresCheck(() => prisma.$queryRaw`SELECT 1`)],
      },
    }),
  ],
  controllers: [
    CreateAccountsController,
    CreateTransfersController,
    ResolvePendingTransferController,
    AccountsQueryController,
    TransfersQueryController,
  ],
  providers: [
    PostingMetrics,
    PostingService,
    TransferPosting,
    CreateAccountsService,
    PartitionOwnership,
    OutboxRelay,
    PendingExpirySweeper,
  ],
})
export class LedgerModule {}
