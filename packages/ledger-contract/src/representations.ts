import { z } from 'zod';
import { accountResult, transferResult } from './results';
import {
  amountText,
  balanceText,
  code,
  CURRENCY_PATTERN,
  identifier,
  metadata,
  platformOrClientIdentifier,
  timeoutSeconds,
} from './wire';

/**
 * What the ledger answers, defined once for every side: the ledger builds its
 * replies as these types, the api passes accounts and transfers on to its
 * clients as they are (and documents them from these schemas), settlement
 * reads the results. Money is decimal strings of minor units (JSON numbers
 * cannot carry 64 bits); times are ISO 8601 in UTC.
 */

/**
 * What a transfer does:
 * - `posted`: moves money at once;
 * - `pending`: reserves it (first phase of a two-phase transfer);
 * - `post_pending`: completes a pending transfer, for its amount or less;
 * - `void_pending`: cancels a pending transfer.
 */
export const TRANSFER_KINDS = ['posted', 'pending', 'post_pending', 'void_pending'] as const;

export type TransferKind = (typeof TRANSFER_KINDS)[number];

/** Where a pending transfer stands: still pending, or how it ended. */
export const PENDING_STATES = ['pending', 'posted', 'voided', 'expired'] as const;

export type PendingState = (typeof PENDING_STATES)[number];

/** Tenants are named by clients; accounts and transfers may also be the platform's own ("_..."). */
const tenantId = identifier;
const id = platformOrClientIdentifier;
const currencyCode = z.string().regex(CURRENCY_PATTERN);
const timestamp = z.iso.datetime();

export const accountRepresentation = z
  .object({
    tenantId,
    id,
    currency: currencyCode,
    code,
    metadata,
    flags: z.object({
      debitsMustNotExceedCredits: z.boolean(),
      creditsMustNotExceedDebits: z.boolean(),
      acceptsExternalCredits: z.boolean(),
    }),
    balances: z.object({
      debitsPending: balanceText,
      debitsPosted: balanceText,
      creditsPending: balanceText,
      creditsPosted: balanceText,
    }),
    createdAt: timestamp,
  })
  .meta({ id: 'Account' });

export type AccountRepresentation = z.infer<typeof accountRepresentation>;

export const pendingTransferState = z.object({
  state: z.enum(PENDING_STATES),
  expiresAt: timestamp.nullable(),
  resolvedById: id.nullable(),
  resolvedAt: timestamp.nullable(),
});

export const transferRepresentation = z
  .object({
    tenantId,
    id,
    debitAccountId: id,
    creditTenantId: tenantId,
    creditAccountId: id,
    amount: amountText,
    currency: currencyCode,
    code,
    metadata,
    flags: z.object({
      pending: z.boolean(),
      postPending: z.boolean(),
      voidPending: z.boolean(),
      linked: z.boolean(),
    }),
    /** Posts and voids: the pending transfer they resolve. */
    pendingId: id.optional(),
    /** Pending transfers: seconds until it expires; null: never. */
    timeoutSeconds: timeoutSeconds.nullable().optional(),
    /** A pending transfer read on its own: where it stands. */
    pendingState: pendingTransferState.optional(),
    createdAt: timestamp,
  })
  .meta({ id: 'Transfer' });

export type TransferRepresentation = z.infer<typeof transferRepresentation>;

const index = z.number().int().min(0);

/** One item of a batch of accounts: its result and the account as stored (the existing one, if it existed). */
export const accountItemResult = z.object({
  index,
  id,
  result: accountResult,
  account: accountRepresentation,
});

export type AccountItemResult = z.infer<typeof accountItemResult>;

/** The answer to a batch of accounts: one result per item, in order. */
export const accountResults = z.object({ results: z.array(accountItemResult) });

export type AccountResults = z.infer<typeof accountResults>;

/** One item of a batch of transfers: its result, and the transfer for `created` and `exists`. */
export const transferItemResult = z.object({
  index,
  id,
  result: transferResult,
  transfer: transferRepresentation.optional(),
});

export type TransferItemResult = z.infer<typeof transferItemResult>;

/** The answer to a batch of transfers: one result per item, in order. */
export const transferResults = z.object({ results: z.array(transferItemResult) });

export type TransferResults = z.infer<typeof transferResults>;

/** The answer to a lookup of transfers by id: one per id asked, in order; null where there is none. */
export const transferLookup = z.object({ data: z.array(transferRepresentation.nullable()) });

export type TransferLookup = z.infer<typeof transferLookup>;

/** A page of a listing; `nextCursor` asks for the next one (null: this is the last). */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
