import type { Instruction } from '../domain/instruction';

/** How an attempt that did not post changes an instruction (its attempts, times and schedule follow). */
export interface RetriedInstruction {
  id: string;
  generation: number;
  transferId: string;
  debitEpoch: number;
  creditEpoch: number;
  /** Why it did not post (stored as the instruction's reason). */
  reason: string;
  /** Milliseconds until the next attempt; 0 at once, null parked. */
  retryInMs: number | null;
  /** Counts as a failure (sets when it first failed). */
  failed: boolean;
}

/**
 * Instructions locked for the transaction that attempts them: the outcome of
 * an attempt is written here, with the database's clock, before the locks go.
 */
export interface LockedInstructions {
  /** Posted by the ledger (an attempt created or found their transfers). */
  markPosted(ids: readonly string[]): Promise<void>;
  /** Not posted: the next id, schedule and reason of each. */
  markRetried(instructions: readonly RetriedInstruction[]): Promise<void>;
  /** The fate a fence decided: `cancelled` (the id can never post) or `posted` (it had). */
  markFenced(id: string, state: 'cancelled' | 'posted', at: Date): Promise<void>;
}

/**
 * Persistence of settlement instructions (port); implemented with Prisma in
 * infrastructure/persistence. The `with…` methods lock the instructions they
 * select for one transaction (`wait`: wait for another holder rather than
 * pass the instruction by), so that no instruction is ever sent twice at once,
 * and a crash releases the locks.
 */
export abstract class InstructionStore {
  /** An instruction by its id, or by its current transfer id. */
  abstract find(idOrTransferId: string): Promise<Instruction | null>;

  /** Makes a pending instruction (a parked one too) due now, unless its cancellation was requested. */
  abstract makeDue(id: string): Promise<void>;

  /** Records a request to cancel a pending instruction, unless one was recorded; true when this call did. */
  abstract requestCancel(id: string, reason: string): Promise<boolean>;

  /** Ids of pending instructions whose cancellation was requested, oldest request first. */
  abstract cancellationsRequested(limit: number): Promise<string[]>;

  /** Locks up to `limit` due instructions (of one batch, when given), earliest due first, and runs `work`. */
  abstract withDue<T>(
    selection: { batchId?: string; limit: number; wait: boolean; timeoutMs: number },
    work: (instructions: Instruction[], locked: LockedInstructions) => Promise<T>,
  ): Promise<T | null>;

  /** Locks a pending instruction not being cancelled, unless another holds it, and runs `work`; null when not. */
  abstract withPending<T>(
    id: string,
    options: { timeoutMs: number },
    work: (instruction: Instruction, locked: LockedInstructions) => Promise<T>,
  ): Promise<T | null>;

  /** Locks a pending instruction whose cancellation was requested and runs `work`; null when there is none to lock. */
  abstract withCancelRequested<T>(
    id: string,
    options: { wait: boolean; timeoutMs: number },
    work: (instruction: Instruction, locked: LockedInstructions) => Promise<T>,
  ): Promise<T | null>;
}
