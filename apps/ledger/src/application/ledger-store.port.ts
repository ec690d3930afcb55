import type { AccountState } from '../domain/account';
import type { PostingEffects, PostingState } from '../domain/posting';
import type { TransferResult } from '../domain/transfer-result';

/** Keys the posting engine will need for one batch. */
export interface PostingKeys {
  /** Ids of the commands (for idempotency and recorded failures). */
  transferIds: { tenantId: string; id: string }[];
  /** Pending transfers referred to by post, void or expire commands. */
  pendingIds: { tenantId: string; id: string }[];
  /** Accounts named by create commands. */
  accounts: { tenantId: string; accountId: string }[];
}

/** The store's view inside one database transaction. */
export interface PostingTransaction {
  /** Loads and locks everything the batch can touch: accounts first (in key order), then pending states. */
  load(keys: PostingKeys): Promise<PostingState>;
  /**
   * Writes the batch's effects and commits them: the transaction's last
   * step (the store sends COMMIT with it; nothing may follow).
   * `traceparentOf(tenantId, transferId)`: the trace context of the request that caused an event.
   */
  write(
    effects: PostingEffects,
    traceparentOf: (tenantId: string, transferId: string) => string | null,
  ): Promise<void>;
}

/** Persistence of the posting engine (port); implemented with Prisma in infrastructure/persistence. */
export abstract class LedgerStore {
  abstract inTransaction<T>(work: (tx: PostingTransaction) => Promise<T>): Promise<T>;
}

export type { AccountState, TransferResult };
