import { Injectable } from '@nestjs/common';
import { conditionOf, settlementAccountId } from '../domain/instruction';
import type { SettlementInstruction } from '../generated/prisma/client';
import { PrismaService } from '../infrastructure/persistence/prisma.service';

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;
/** Decimal positions leave as exact decimal strings of minor units (never through a float). */
const money = (value: { toFixed(): string } | bigint): string =>
  typeof value === 'bigint' ? value.toString() : value.toFixed();

/** An instruction as operators see it: everything, including why it is not posted and since when. */
export function operatorInstruction(i: SettlementInstruction, now = new Date()) {
  return {
    id: i.id,
    batchId: i.batchId,
    payerTenantId: i.payerTenantId,
    payeeTenantId: i.payeeTenantId,
    currency: i.currency,
    part: i.part,
    amount: money(i.amount),
    state: i.state,
    condition: i.state === 'pending' ? conditionOf(i) : null,
    reason: i.lastError,
    attempts: i.attempts,
    transferId: i.transferId,
    debitAccountId: settlementAccountId(i.currency, i.debitEpoch),
    creditAccountId: settlementAccountId(i.currency, i.creditEpoch),
    createdAt: i.createdAt.toISOString(),
    /** How long it has waited to be posted (pending only). */
    ageSeconds:
      i.state === 'pending' ? Math.max(0, Math.floor((now.getTime() - i.createdAt.getTime()) / 1000)) : null,
    firstFailedAt: iso(i.firstFailedAt),
    lastAttemptAt: iso(i.lastAttemptAt),
    nextAttemptAt: iso(i.nextAttemptAt),
    postedAt: iso(i.postedAt),
    cancellation:
      i.cancelRequestedAt === null
        ? null
        : {
            requestedAt: i.cancelRequestedAt.toISOString(),
            reason: i.cancelReason,
            cancelledAt: iso(i.cancelledAt),
          },
  };
}

/**
 * An instruction as one of its two tenants sees it. The reason it is not
 * posted describes the payer's side (its settlement account's balance or
 * limits, or the ledger's one answer for any refusal of the payee's account),
 * so only the payer sees it; never an operator's note.
 */
export function tenantInstruction(i: SettlementInstruction, tenantId: string) {
  return {
    payerTenantId: i.payerTenantId,
    payeeTenantId: i.payeeTenantId,
    currency: i.currency,
    part: i.part,
    amount: money(i.amount),
    transferId: i.transferId,
    state: i.state,
    reason: i.state === 'pending' && i.payerTenantId === tenantId ? i.lastError : null,
    postedAt: iso(i.postedAt),
  };
}

const instructionOrder = [
  { currency: 'asc' as const },
  { payerTenantId: 'asc' as const },
  { payeeTenantId: 'asc' as const },
  { part: 'asc' as const },
];

/** Read models of batches: whole ones for operators, one tenant's share for that tenant. */
@Injectable()
export class SettlementViews {
  constructor(private readonly prisma: PrismaService) {}

  /** Newest batches first, with the open window and instruction counts per state. */
  async batches() {
    const [open, batches] = await Promise.all([
      this.prisma.obligation.count({ where: { batchId: null } }),
      this.prisma.settlementBatch.findMany({ orderBy: { createdAt: 'desc' }, take: 100 }),
    ]);
    const counts = await this.prisma.settlementInstruction.groupBy({
      by: ['batchId', 'state'],
      where: { batchId: { in: batches.map((b) => b.id) } },
      _count: { _all: true },
    });
    const countOf = (batchId: string, state: string) =>
      counts.find((c) => c.batchId === batchId && c.state === state)?._count._all ?? 0;
    return {
      // The open window is where obligations wait for the next cut-off.
      open: { state: 'open', obligationCount: open },
      data: batches.map((b) => ({
        id: b.id,
        state: b.state,
        cutoffAt: b.cutoffAt.toISOString(),
        nettedAt: iso(b.nettedAt),
        completedAt: iso(b.completedAt),
        obligationCount: b.obligationCount,
        instructions: {
          pending: countOf(b.id, 'pending'),
          posted: countOf(b.id, 'posted'),
          cancelled: countOf(b.id, 'cancelled'),
        },
      })),
    };
  }

  /** One whole batch, for operators; null when there is none. */
  async batch(id: string) {
    const batch = await this.prisma.settlementBatch.findUnique({
      where: { id },
      include: {
        positions: { orderBy: [{ currency: 'asc' }, { tenantId: 'asc' }] },
        instructions: { orderBy: instructionOrder },
      },
    });
    if (!batch) return null;
    const now = new Date();
    return {
      id: batch.id,
      state: batch.state,
      cutoffAt: batch.cutoffAt.toISOString(),
      nettedAt: iso(batch.nettedAt),
      completedAt: iso(batch.completedAt),
      obligationCount: batch.obligationCount,
      positions: batch.positions.map((p) => ({
        tenantId: p.tenantId,
        currency: p.currency,
        net: money(p.net),
        obligationCount: p.obligationCount,
      })),
      instructions: batch.instructions.map((i) => operatorInstruction(i, now)),
    };
  }

  /** Instructions in a state, oldest first (for operators: what is stuck, and since when). */
  async instructions(query: { state: string; batchId?: string; limit: number }) {
    const rows = await this.prisma.settlementInstruction.findMany({
      where: { state: query.state, ...(query.batchId === undefined ? {} : { batchId: query.batchId }) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: query.limit,
    });
    const now = new Date();
    return { data: rows.map((i) => operatorInstruction(i, now)) };
  }

  /** The batches a tenant took part in (it has a position), newest first, each as that tenant's share. */
  async tenantBatches(tenantId: string) {
    const batches = await this.prisma.settlementBatch.findMany({
      where: { positions: { some: { tenantId } } },
      orderBy: { createdAt: 'desc' },
      take: 100,
    });
    const instructions = await this.prisma.settlementInstruction.findMany({
      where: {
        batchId: { in: batches.map((b) => b.id) },
        OR: [{ payerTenantId: tenantId }, { payeeTenantId: tenantId }],
      },
      select: { batchId: true, state: true, postedAt: true, cancelledAt: true },
    });
    const byBatch = Map.groupBy(instructions, (i) => i.batchId);
    return {
      data: batches.map((b) => ({
        id: b.id,
        ...tenantProgress(b, byBatch.get(b.id) ?? []),
        cutoffAt: b.cutoffAt.toISOString(),
      })),
    };
  }

  /**
   * One batch as a tenant sees it: its own positions and obligation count,
   * and only the instructions it pays or receives. Null when the tenant took
   * no part in it (another tenant's batch does not exist for this one).
   */
  async tenantBatch(tenantId: string, id: string) {
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
    if (!batch || batch.positions.length === 0) return null;
    const progress = tenantProgress(batch, batch.instructions);
    return {
      id: batch.id,
      state: progress.state,
      cutoffAt: batch.cutoffAt.toISOString(),
      completedAt: progress.completedAt,
      obligationCount: batch.positions.reduce((sum, p) => sum + p.obligationCount, 0),
      positions: batch.positions.map((p) => ({
        tenantId: p.tenantId,
        currency: p.currency,
        net: money(p.net),
      })),
      instructions: batch.instructions.map((i) => tenantInstruction(i, tenantId)),
    };
  }
}

/**
 * Where a batch stands for one tenant, from its own instructions only: an
 * instruction of two other tenants that is stuck is not this tenant's
 * business, and does not show as the batch being unfinished.
 */
function tenantProgress(
  batch: { state: string; nettedAt: Date | null },
  own: readonly { state: string; postedAt: Date | null; cancelledAt: Date | null }[],
): { state: 'closing' | 'posting' | 'completed'; completedAt: string | null } {
  if (batch.state === 'closing') return { state: 'closing', completedAt: null };
  if (own.some((i) => i.state === 'pending')) return { state: 'posting', completedAt: null };
  const ends = own.map((i) => (i.postedAt ?? i.cancelledAt)!.getTime());
  const completedAt = ends.length > 0 ? new Date(Math.max(...ends)) : batch.nettedAt;
  return { state: 'completed', completedAt: iso(completedAt) };
}
