import { z } from 'zod';

/**
 * The outcome of one transfer in a batch, named as in TigerBeetle where the
 * concept is the same. `created` and `exists` are successes; every other
 * result leaves no trace of the transfer (and, if it is in a linked chain, of
 * the chain).
 */
export const TransferResult = {
  created: 'created',
  /** The id exists with identical fields: the retry of a transfer that succeeded. */
  exists: 'exists',
  existsWithDifferentFlags: 'exists_with_different_flags',
  existsWithDifferentPendingId: 'exists_with_different_pending_id',
  existsWithDifferentDebitAccountId: 'exists_with_different_debit_account_id',
  existsWithDifferentCreditAccountId: 'exists_with_different_credit_account_id',
  existsWithDifferentAmount: 'exists_with_different_amount',
  existsWithDifferentCurrency: 'exists_with_different_currency',
  existsWithDifferentCode: 'exists_with_different_code',
  existsWithDifferentTimeout: 'exists_with_different_timeout',
  existsWithDifferentMetadata: 'exists_with_different_metadata',
  /** The id failed before, for a reason that depended on the ledger's state; it keeps that outcome. */
  idAlreadyFailed: 'id_already_failed',
  debitAccountNotFound: 'debit_account_not_found',
  creditAccountNotFound: 'credit_account_not_found',
  /**
   * A transfer to another tenant's account that cannot be made, for whatever
   * reason concerns that account: it does not exist, does not accept credits
   * from other tenants, holds another currency, or would pass a limit. One
   * answer for all of them, so nothing about another tenant's account leaks.
   */
  externalCreditRefused: 'external_credit_refused',
  currencyMismatch: 'currency_mismatch',
  exceedsCredits: 'exceeds_credits',
  exceedsDebits: 'exceeds_debits',
  overflowsDebits: 'overflows_debits',
  overflowsCredits: 'overflows_credits',
  pendingTransferNotFound: 'pending_transfer_not_found',
  pendingTransferNotPending: 'pending_transfer_not_pending',
  pendingTransferAlreadyPosted: 'pending_transfer_already_posted',
  pendingTransferAlreadyVoided: 'pending_transfer_already_voided',
  pendingTransferExpired: 'pending_transfer_expired',
  exceedsPendingTransferAmount: 'exceeds_pending_transfer_amount',
  linkedEventFailed: 'linked_event_failed',
  linkedEventChainOpen: 'linked_event_chain_open',
} as const;

export type TransferResult = (typeof TransferResult)[keyof typeof TransferResult];

export const transferResult = z.enum(TransferResult);

/**
 * The outcome of one account in a batch: accounts are created idempotently by
 * id, and an id that exists with other fields names the first that differs.
 */
export const AccountResult = {
  created: 'created',
  exists: 'exists',
  existsWithDifferentCurrency: 'exists_with_different_currency',
  existsWithDifferentCode: 'exists_with_different_code',
  existsWithDifferentFlags: 'exists_with_different_flags',
  existsWithDifferentMetadata: 'exists_with_different_metadata',
} as const;

export type AccountResult = (typeof AccountResult)[keyof typeof AccountResult];

export const accountResult = z.enum(AccountResult);

/** `created`, or `exists` (the retry of a success): the item is there as asked. */
export const isSuccess = (result: TransferResult | AccountResult): boolean =>
  result === 'created' || result === 'exists';

const EXISTS_WITH_DIFFERENT = 'exists_with_different_';

/**
 * For an `exists_with_different_*` result, the field that differs, in the
 * result's words (e.g. "debit_account_id"); null for any other result.
 */
export const differingField = (result: TransferResult | AccountResult): string | null =>
  result.startsWith(EXISTS_WITH_DIFFERENT) ? result.slice(EXISTS_WITH_DIFFERENT.length) : null;
