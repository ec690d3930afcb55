import { differingField, isSuccess, TransferResult } from '@meridian/ledger-contract';

/** The results are the ledger's contract with its callers; which of them are kept is the ledger's own rule. */
export { isSuccess, TransferResult };

/**
 * Failures that are about the transfer itself and depend on the ledger's state
 * at the time. They are recorded against the id (see FailedTransfer), so a
 * retry of the id answers `id_already_failed` instead of succeeding later.
 * Failures that say the id already exists, or that come from another item of a
 * linked chain, are not about this id and are not recorded.
 */
export function isRecordedFailure(result: TransferResult): boolean {
  return !isSuccess(result) && differingField(result) === null && !NOT_RECORDED.has(result);
}

const NOT_RECORDED = new Set<TransferResult>([
  TransferResult.idAlreadyFailed,
  TransferResult.linkedEventFailed,
  TransferResult.linkedEventChainOpen,
]);
