import type { Position } from '../domain/netting';

/** What a batch's obligations add up to, per payer, payee and currency. */
export interface ObligationSum {
  payerTenantId: string;
  payeeTenantId: string;
  currency: string;
  amount: bigint;
  count: number;
}

/** An instruction as a cut-off creates it: pending, due at once. */
export interface NewInstruction {
  id: string;
  batchId: string;
  payerTenantId: string;
  payeeTenantId: string;
  currency: string;
  part: number;
  amount: bigint;
  transferId: string;
  debitEpoch: number;
  creditEpoch: number;
}

/** What netting a batch writes. */
export interface NettedBatch {
  positions: Position[];
  instructions: NewInstruction[];
}

/** Persistence of settlement batches (port); implemented with Prisma in infrastructure/persistence. */
export abstract class BatchStore {
  /**
   * In one transaction, serialized with every other cut-off: creates batch
   * `id` (`closing`) holding every obligation of the open window. Returns how
   * many it took; when the window is empty, 0 and no batch.
   */
  abstract close(id: string): Promise<number>;

  /** Batches left `closing` by an interrupted cut-off, oldest first, but `except`. */
  abstract closing(except: string | null): Promise<string[]>;

  /**
   * Nets a `closing` batch, once however many replicas try: in one transaction
   * that locks the batch, hands its obligation sums to `plan`, writes the
   * positions and instructions `plan` returns (instructions due at once, by
   * the database's clock) and moves the batch to `posting`. Returns what was
   * written, or null when the batch was not closing (netted already).
   */
  abstract net(
    batchId: string,
    plan: (sums: ObligationSum[]) => Promise<NettedBatch>,
  ): Promise<NettedBatch | null>;

  /**
   * Completes those of the batches that are `posting` with no pending
   * instruction; returns them. Without ids: every such batch, which is how a
   * batch whose last instruction posted just before a crash gets completed.
   */
  abstract complete(batchIds?: readonly string[]): Promise<{ id: string; obligationCount: number }[]>;
}
