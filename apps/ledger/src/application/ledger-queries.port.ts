import type { Account } from '../domain/account';
import type { PendingTransferState, Transfer } from '../domain/transfer';

/** Which page of a list: at most `limit` items, starting after the position `after` (null: from the start). */
export interface PageRequest {
  limit: number;
  after: bigint | null;
}

/** A page of a list, and the position the next page starts after (null: this is the last page). */
export interface Page<T> {
  items: T[];
  next: bigint | null;
}

/**
 * The ledger's reads (port), each scoped to one tenant; implemented with
 * Prisma in infrastructure/persistence. Lists are in a stable order, and one
 * page is one consistent snapshot.
 */
export abstract class LedgerQueries {
  abstract account(tenantId: string, id: string): Promise<Account | null>;

  abstract accountExists(tenantId: string, id: string): Promise<boolean>;

  /** The tenant's accounts, oldest first; the platform's own accounts only when asked for. */
  abstract accounts(
    tenantId: string,
    page: PageRequest,
    options: { platformAccounts: boolean },
  ): Promise<Page<Account>>;

  /** A transfer, with the state of a pending one (null for any other). */
  abstract transfer(
    tenantId: string,
    id: string,
  ): Promise<{ transfer: Transfer; pending: PendingTransferState | null } | null>;

  /** The tenant's transfers among `ids` (those it does not have are left out). */
  abstract transfers(tenantId: string, ids: readonly string[]): Promise<Transfer[]>;

  /**
   * The transfers that debit or credit an account, newest first, including
   * transfers from other tenants that credit it.
   */
  abstract accountTransfers(tenantId: string, accountId: string, page: PageRequest): Promise<Page<Transfer>>;
}
