import { z } from 'zod';
import { TRANSFER_KINDS } from './representations';
import { amountText, code, currency, identifier, platformOrClientIdentifier } from './wire';

/**
 * The contract between the ledger (producer, through its transactional outbox)
 * and its consumers (settlement). Both sides import it from here, so a change
 * to the event shape is one change, checked by the compiler on both sides.
 */

/** BullMQ queue the outbox relay publishes to. Job id = event id, job name = event type. */
export const LEDGER_EVENTS_QUEUE = 'ledger-events';

/**
 * Events the ledger publishes (through the transactional outbox), one per
 * committed change of a transfer's effect on balances:
 * - transfer.posted: money moved (a plain transfer, or a pending one posted);
 * - transfer.pending: money reserved;
 * - transfer.voided / transfer.expired: a reservation released.
 */
export const LEDGER_EVENT_TYPES = [
  'transfer.posted',
  'transfer.pending',
  'transfer.voided',
  'transfer.expired',
] as const;

export type LedgerEventType = (typeof LEDGER_EVENT_TYPES)[number];

/** What arrives on the queue is checked like any input: amounts within BIGINT, ids in the ledger's formats. */
const tenantId = identifier;
const id = platformOrClientIdentifier;

/** The transfer an event is about, in wire form (amounts as decimal strings of minor units). */
export const eventTransfer = z.object({
  tenantId,
  id,
  kind: z.enum(TRANSFER_KINDS),
  debitAccountId: id,
  creditTenantId: tenantId,
  creditAccountId: id,
  amount: amountText,
  currency,
  code,
  pendingId: id.nullable(),
  createdAt: z.iso.datetime(),
});

/**
 * The data of a job on the ledger-events queue.
 *
 * Ordering. Each event belongs to its tenant's partition
 * (`tenantPartition(tenantId, LEDGER_PARTITIONS)`), and within a partition
 * carries a `sequence`: 1, 2, 3, ... with no gap and no repeat, assigned when
 * the change it describes commits, in commit order (the posting transaction
 * takes it under a row lock of the partition held until COMMIT). One ledger
 * replica at a time publishes a partition, in sequence order, so:
 *
 * - each tenant's events are added to the queue in the order their changes
 *   committed, and each event id is added once (a re-publish after a crash
 *   adds nothing: the job id is the event id);
 * - a consumer that needs order per tenant can check it: within a partition,
 *   a sequence above the last one seen plus one is a gap, an earlier event
 *   not yet processed. Deduplicate by `eventId`, not by sequence: a failover
 *   to a replica that had not received the last commits (asynchronous
 *   replication) loses those commits and their events, and issues their
 *   sequences again to new events.
 *
 * The queue keeps insertion order, but BullMQ workers process jobs
 * concurrently and retry failed ones later: order of processing is the
 * consumer's to keep (settlement's nets do not depend on it). Events written
 * by a ledger release before partitions have neither field, and no order:
 * the guarantee holds for events committed once every replica runs a release
 * with partitions.
 */
export const ledgerEventJob = z.object({
  eventId: z.uuid(),
  type: z.enum(LEDGER_EVENT_TYPES),
  tenantId,
  occurredAt: z.iso.datetime(),
  transfer: eventTransfer,
  /** W3C trace context of the request that caused the event. */
  traceparent: z.string().max(256).nullable(),
  /** The tenant's partition (see above); absent on events of earlier releases. */
  partition: z.int().min(0).optional(),
  /** The event's place in its partition, from 1, in commit order; absent on events of earlier releases. */
  sequence: z.int().min(1).optional(),
});

export type LedgerEventJob = z.infer<typeof ledgerEventJob>;
export type EventTransfer = z.infer<typeof eventTransfer>;
