import type { LedgerEventType } from '@meridian/ledger-contract';
import type { Transfer } from './transfer';

export type { LedgerEventType };

/** An event the posting engine emits; the outbox stores it, the relay publishes it (see LEDGER_EVENT_TYPES). */
export interface LedgerEvent {
  eventId: string;
  type: LedgerEventType;
  tenantId: string;
  /** The transfer that caused the event; for `transfer.expired`, the pending transfer itself. */
  transfer: Transfer;
  occurredAt: Date;
}
