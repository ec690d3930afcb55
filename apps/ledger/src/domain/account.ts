import type { MinorUnits } from './money';
import type { Metadata } from './transfer';

/** An account is identified within its tenant. */
export interface AccountKey {
  tenantId: string;
  accountId: string;
}

export const accountKey = (tenantId: string, accountId: string): string => `${tenantId}\u0000${accountId}`;

export interface AccountFlags {
  /** The account may never be debited beyond what it has been credited (an asset held for someone, a wallet). */
  debitsMustNotExceedCredits: boolean;
  /** The account may never be credited beyond what it has been debited. */
  creditsMustNotExceedDebits: boolean;
  /**
   * Other tenants may credit it (pay into it). Off by default: a tenant
   * receives money from others only on accounts it opened for that.
   */
  acceptsExternalCredits: boolean;
}

export interface Balances {
  debitsPending: MinorUnits;
  debitsPosted: MinorUnits;
  creditsPending: MinorUnits;
  creditsPosted: MinorUnits;
}

/** What the posting engine needs of an account: identity, currency, limits and balances. */
export interface AccountState extends AccountFlags, Balances {
  tenantId: string;
  id: string;
  currency: string;
}

/** An account as stored: its state, the client's code and metadata, and when it was opened. */
export interface Account extends AccountState {
  code: number;
  metadata: Metadata;
  createdAt: Date;
}

/** A validated request to open an account (every optional field given its default). */
export interface NewAccount extends AccountFlags {
  id: string;
  currency: string;
  code: number;
  metadata: Metadata;
}

export const zeroBalances = (): Balances => ({
  debitsPending: 0n,
  debitsPosted: 0n,
  creditsPending: 0n,
  creditsPosted: 0n,
});

export const copyBalances = (b: Balances): Balances => ({
  debitsPending: b.debitsPending,
  debitsPosted: b.debitsPosted,
  creditsPending: b.creditsPending,
  creditsPosted: b.creditsPosted,
});
