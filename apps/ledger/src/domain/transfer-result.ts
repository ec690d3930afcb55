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

export const isSuccess = (result: TransferResult): boolean =>
  result === TransferResult.created || result === TransferResult.exists;

/**
 * Failures that are about the transfer itself and depend on the ledger's state
 * at the time. They are recorded against the id (see FailedTransfer), so a
 * retry of the id answers `id_already_failed` instead of succeeding later.
 * Failures that say the id already exists, or that come from another item of a
 * linked chain, are not about this id and are not recorded.
 */
export function isRecordedFailure(result: TransferResult): boolean {
  return !isSuccess(result) && !result.startsWith('exists_with_different_') && !NOT_RECORDED.has(result);
}

const NOT_RECORDED = new Set<TransferResult>([
  TransferResult.idAlreadyFailed,
  TransferResult.linkedEventFailed,
  TransferResult.linkedEventChainOpen,
]);
