import { Injectable } from '@nestjs/common';
import {
  type BatchDetail,
  type BatchRecord,
  type PositionRecord,
  SettlementQueries,
} from '../../application/settlement-queries.port';
import type { Instruction, InstructionState } from '../../domain/instruction';
import type {
  SettlementBatch,
  SettlementInstruction,
  SettlementPosition,
} from '../../generated/prisma/client';
import { PrismaService } from './prisma.service';
import { toInstruction } from './records';

const instructionOrder = [
  { currency: 'asc' as const },
  { payerTenantId: 'asc' as const },
  { payeeTenantId: 'asc' as const },
  { part: 'asc' as const },
];

const toBatch = (b: SettlementBatch): BatchRecord => ({
  id: b.id,
  state: b.state,
  cutoffAt: b.cutoffAt,
  nettedAt: b.nettedAt,
  completedAt: b.completedAt,
  obligationCount: b.obligationCount,
});

/** Positions are exact decimals (sums pass 64 bits); bigint holds them exactly too. */
const toPosition = (p: SettlementPosition): PositionRecord => ({
  tenantId: p.tenantId,
  currency: p.currency,
  net: BigInt(p.net.toFixed()),
  obligationCount: p.obligationCount,
});

const toDetail = (
  batch: SettlementBatch & { positions: SettlementPosition[]; instructions: SettlementInstruction[] },
): BatchDetail => ({
  ...toBatch(batch),
  positions: batch.positions.map(toPosition),
  instructions: batch.instructions.map(toInstruction),
});

/** Settlement's read models from PostgreSQL. */
@Injectable()
export class PrismaSettlementQueries extends SettlementQueries {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  openObligations(): Promise<number> {
    return this.prisma.obligation.count({ where: { batchId: null } });
  }

  async latestBatches(limit: number): Promise<BatchRecord[]> {
    const batches = await this.prisma.settlementBatch.findMany({
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
    return batches.map(toBatch);
  }

  async instructionCounts(
    batchIds: readonly string[],
  ): Promise<{ batchId: string; state: string; count: number }[]> {
    const counts = await this.prisma.settlementInstruction.groupBy({
      by: ['batchId', 'state'],
      where: { batchId: { in: [...batchIds] } },
      _count: { _all: true },
    });
    return counts.map((c) => ({ batchId: c.batchId, state: c.state, count: c._count._all }));
  }

  async batch(id: string): Promise<BatchDetail | null> {
    const batch = await this.prisma.settlementBatch.findUnique({
      where: { id },
      include: {
        positions: { orderBy: [{ currency: 'asc' }, { tenantId: 'asc' }] },
        instructions: { orderBy: instructionOrder },
      },
    });
    return batch && toDetail(batch);
  }

  async instructions(query: {
    state: InstructionState;
    batchId?: string;
    limit: number;
  }): Promise<Instruction[]> {
    const rows = await this.prisma.settlementInstruction.findMany({
      where: { state: query.state, ...(query.batchId === undefined ? {} : { batchId: query.batchId }) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: query.limit,
    });
    return rows.map(toInstruction);
  }

  async tenantBatches(tenantId: string, limit: number): Promise<BatchRecord[]> {
    const batches = await this.prisma.settlementBatch.findMany({
      where: { positions: { some: { tenantId } } },
      orderBy: { createdAt: 'desc' },
      take: limit,
    });
    return batches.map(toBatch);
  }

  async tenantInstructionStates(
    tenantId: string,
    batchIds: readonly string[],
  ): Promise<Pick<Instruction, 'batchId' | 'state' | 'postedAt' | 'cancelledAt'>[]> {
    const rows = await this.prisma.settlementInstruction.findMany({
      where: {
        batchId: { in: [...batchIds] },
        OR: [{ payerTenantId: tenantId }, { payeeTenantId: tenantId }],
      },
      select: { batchId: true, state: true, postedAt: true, cancelledAt: true },
    });
    return rows.map((row) => ({ ...row, state: row.state as InstructionState }));
  }

  async tenantBatch(tenantId: string, id: string): Promise<BatchDetail | null> {
    const batch = await this.prisma.settlementBatch.findUnique({
      where: { id },
      include: {
        positions: { where: { tenantId }, orderBy: { currency: 'asc' } },
        instructions: {
          where: { OR: [{ payerTenantId: tenantId }, { payeeTenantId: tenantId }] },
          orderBy: instructionOrder,
        },
      },
    });
    return batch && toDetail(batch);
  }
}
