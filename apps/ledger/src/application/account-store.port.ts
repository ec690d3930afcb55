import type { Account, NewAccount } from '../domain/account';

/** What inserting a batch of accounts left in the store. */
export interface InsertedAccounts {
  /** Ids this insert created; the others existed before it. */
  created: ReadonlySet<string>;
  /** Every account of the batch as stored afterwards, by id. */
  stored: ReadonlyMap<string, Account>;
}

/** Persistence of accounts (port); implemented with Prisma in infrastructure/persistence. */
export abstract class AccountStore {
  /**
   * In one transaction: inserts the accounts whose ids the tenant does not
   * have yet (an existing one is left as it is), then reads back every
   * account of the batch.
   */
  abstract insertNew(tenantId: string, accounts: readonly NewAccount[]): Promise<InsertedAccounts>;
}
