import { Injectable } from '@nestjs/common';
import { SettlementQueries } from '../application/settlement-queries.port';
import {
  conditionOf,
  type Instruction,
  type InstructionState,
  settlementAccountId,
} from '../domain/instruction';

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;
/** Amounts and positions leave as exact decimal strings of minor units (never through a float). */
const money = (value: bigint): string => value.toString();

/** An instruction as operators see it: everything, including why it is not posted and since when. */
export function operatorInstruction(i: Instruction, now = new Date()) {
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
export function tenantInstruction(i: Instruction, tenantId: string) {
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

/** Batches as the API shows them: whole ones for operators, one tenant's share for that tenant. */
@Injectable()
export class SettlementViews {
  constructor(private readonly queries: SettlementQueries) {}

  /** Newest batches first, with the open window and instruction counts per state. */
  async batches() {
    const [open, batches] = await Promise.all([
      this.queries.openObligations(),
      this.queries.latestBatches(100),
    ]);
    const counts = await this.queries.instructionCounts(batches.map((b) => b.id));
    const countOf = (batchId: string, state: string) =>
      counts.find((c) => c.batchId === batchId && c.state === state)?.count ?? 0;
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
    const batch = await this.queries.batch(id);
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
  async instructions(query: { state: InstructionState; batchId?: string; limit: number }) {
    const rows = await this.queries.instructions(query);
    const now = new Date();
    return { data: rows.map((i) => operatorInstruction(i, now)) };
  }

  /** The batches a tenant took part in (it has a position), newest first, each as that tenant's share. */
  async tenantBatches(tenantId: string) {
    const batches = await this.queries.tenantBatches(tenantId, 100);
    const instructions = await this.queries.tenantInstructionStates(
      tenantId,
      batches.map((b) => b.id),
    );
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
    const batch = await this.queries.tenantBatch(tenantId, id);
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
