import type { Transfer } from './transfer';

/**
 * Events the ledger publishes (through the transactional outbox), one per
 * committed change of a transfer's effect on balances:
 * - transfer.posted: money moved (a plain transfer, or a pending one posted);
 * - transfer.pending: money reserved;
 * - transfer.voided / transfer.expired: a reservation released.
 */
export type LedgerEventType = 'transfer.posted' | 'transfer.pending' | 'transfer.voided' | 'transfer.expired';

export interface LedgerEvent {
  eventId: string;
  type: LedgerEventType;
  tenantId: string;
  /** The transfer that caused the event; for `transfer.expired`, the pending transfer itself. */
  transfer: Transfer;
  occurredAt: Date;
}
