import { Module } from '@nestjs/common';
import { AccountEpochStore } from '../../application/account-epoch-store.port';
import { BatchStore } from '../../application/batch-store.port';
import { InstructionStore } from '../../application/instruction-store.port';
import { ObligationStore } from '../../application/obligation-store.port';
import { SettlementQueries } from '../../application/settlement-queries.port';
import { PrismaAccountEpochStore } from './prisma-account-epoch-store';
import { PrismaBatchStore } from './prisma-batch-store';
import { PrismaInstructionStore } from './prisma-instruction-store';
import { PrismaObligationStore } from './prisma-obligation-store';
import { PrismaSettlementQueries } from './prisma-settlement-queries';
import { PrismaService } from './prisma.service';

const PORTS = [
  { provide: ObligationStore, useClass: PrismaObligationStore },
  { provide: BatchStore, useClass: PrismaBatchStore },
  { provide: InstructionStore, useClass: PrismaInstructionStore },
  { provide: AccountEpochStore, useClass: PrismaAccountEpochStore },
  { provide: SettlementQueries, useClass: PrismaSettlementQueries },
];

/** The application's persistence ports, implemented with Prisma on PostgreSQL. */
@Module({
  providers: [PrismaService, ...PORTS],
  exports: [PrismaService, ...PORTS.map((port) => port.provide)],
})
export class PersistenceModule {}
