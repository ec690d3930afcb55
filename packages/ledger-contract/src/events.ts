import { z } from 'zod';

/**
 * The contract between the ledger (producer, through its transactional outbox)
 * and its consumers (settlement). Both sides import it from here, so a change
 * to the event shape is one change, checked by the compiler on both sides.
 */

/** BullMQ queue the outbox relay publishes to. Job id = event id, job name = event type. */
export const LEDGER_EVENTS_QUEUE = 'ledger-events';

export const LEDGER_EVENT_TYPES = [
  'transfer.posted',
  'transfer.pending',
  'transfer.voided',
  'transfer.expired',
] as const;

export type LedgerEventType = (typeof LEDGER_EVENT_TYPES)[number];

const amount = z.string().regex(/^[1-9][0-9]{0,18}$/);

/** The transfer an event is about, in wire form (amounts as decimal strings of minor units). */
export const eventTransfer = z.object({
  tenantId: z.string(),
  id: z.string(),
  kind: z.enum(['posted', 'pending', 'post_pending', 'void_pending']),
  debitAccountId: z.string(),
  creditTenantId: z.string(),
  creditAccountId: z.string(),
  amount,
  currency: z.string().length(3),
  code: z.number().int(),
  pendingId: z.string().nullable(),
  createdAt: z.iso.datetime(),
});

/** The data of a job on the ledger-events queue. */
export const ledgerEventJob = z.object({
  eventId: z.uuid(),
  type: z.enum(LEDGER_EVENT_TYPES),
  tenantId: z.string(),
  occurredAt: z.iso.datetime(),
  transfer: eventTransfer,
  /** W3C trace context of the request that caused the event. */
  traceparent: z.string().nullable(),
});

export type LedgerEventJob = z.infer<typeof ledgerEventJob>;
export type EventTransfer = z.infer<typeof eventTransfer>;
