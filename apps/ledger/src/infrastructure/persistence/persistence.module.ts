import { Module } from '@nestjs/common';
import { AccountStore } from '../../application/account-store.port';
import { LedgerQueries } from '../../application/ledger-queries.port';
import { LedgerStore } from '../../application/ledger-store.port';
import { PrismaAccountStore } from './prisma-account-store';
import { PrismaLedgerQueries } from './prisma-ledger-queries';
import { PgLedgerStore } from './pg-ledger-store';
import { PrismaService } from './prisma.service';

/** The application's persistence ports, implemented with Prisma on PostgreSQL. */
@Module({
  providers: [
    PrismaService,
    { provide: LedgerStore, useClass: PgLedgerStore },
    { provide: AccountStore, useClass: PrismaAccountStore },
    { provide: LedgerQueries, useClass: PrismaLedgerQueries },
  ],
  exports: [PrismaService, LedgerStore, AccountStore, LedgerQueries],
})
export class PersistenceModule {}
