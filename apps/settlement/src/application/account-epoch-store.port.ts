/** The epoch of one tenant's settlement account in one currency. */
export interface AccountEpoch {
  tenantId: string;
  currency: string;
  epoch: number;
}

/** Persistence of settlement account epochs (port); implemented with Prisma in infrastructure/persistence. */
export abstract class AccountEpochStore {
  /** The stored epochs of the pairs asked for; a pair that never rolled over has none. */
  abstract current(pairs: readonly { tenantId: string; currency: string }[]): Promise<AccountEpoch[]>;

  /** Moves the pair from epoch `from` to the next, unless that happened already; true when this call did. */
  abstract advance(tenantId: string, currency: string, from: number): Promise<boolean>;
}
