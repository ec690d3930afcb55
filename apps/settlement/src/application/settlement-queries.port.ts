import type { Instruction, InstructionState } from '../domain/instruction';

/** A batch as stored. */
export interface BatchRecord {
  id: string;
  /** closing | posting | completed */
  state: string;
  cutoffAt: Date;
  nettedAt: Date | null;
  completedAt: Date | null;
  obligationCount: number;
}

/** A tenant's net position in a batch: positive receives, negative pays. */
export interface PositionRecord {
  tenantId: string;
  currency: string;
  net: bigint;
  obligationCount: number;
}

/** A batch with its positions and instructions (in currency, payer, payee, part order). */
export interface BatchDetail extends BatchRecord {
  positions: PositionRecord[];
  instructions: Instruction[];
}

/** Settlement's reads (port), for operators and for one tenant's view; implemented with Prisma in infrastructure/persistence. */
export abstract class SettlementQueries {
  /** Obligations waiting in the open window for the next cut-off. */
  abstract openObligations(): Promise<number>;

  /** The newest batches. */
  abstract latestBatches(limit: number): Promise<BatchRecord[]>;

  /** How many instructions of each batch are in each state (combinations with none are left out). */
  abstract instructionCounts(
    batchIds: readonly string[],
  ): Promise<{ batchId: string; state: string; count: number }[]>;

  /** A whole batch (positions by currency and tenant). */
  abstract batch(id: string): Promise<BatchDetail | null>;

  /** Instructions in a state (of one batch, when given), oldest first. */
  abstract instructions(query: {
    state: InstructionState;
    batchId?: string;
    limit: number;
  }): Promise<Instruction[]>;

  /** The newest batches the tenant has a position in. */
  abstract tenantBatches(tenantId: string, limit: number): Promise<BatchRecord[]>;

  /** Where the instructions of the batches that the tenant pays or receives stand. */
  abstract tenantInstructionStates(
    tenantId: string,
    batchIds: readonly string[],
  ): Promise<Pick<Instruction, 'batchId' | 'state' | 'postedAt' | 'cancelledAt'>[]>;

  /** A batch with only the tenant's positions and the instructions it pays or receives. */
  abstract tenantBatch(tenantId: string, id: string): Promise<BatchDetail | null>;
}
