import { Module } from '@nestjs/common';
import { LedgerStore } from '../../application/ledger-store.port';
import { PrismaLedgerStore } from './prisma-ledger-store';
import { PrismaService } from './prisma.service';

@Module({
  providers: [PrismaService, { provide: LedgerStore, useClass: PrismaLedgerStore }],
  exports: [PrismaService, LedgerStore],
})
export class PersistenceModule {}
