import { createHash } from 'node:crypto';
import {
  amount,
  currency,
  customerCode as code,
  identifier,
  metadata,
  timeoutSeconds,
} from '@meridian/ledger-contract';
import { z } from 'zod';

/**
 * The public API's request bodies. The field formats are the ledger's own
 * (@meridian/ledger-contract), checked here first so a bad field is named
 * before anything is called. Unknown fields are errors.
 */

export type CreateAccountRequest = z.output<typeof createAccountRequest>;
export type CreateTransferRequest = z.output<typeof createTransferRequest>;
export type BatchTransfersRequest = z.output<typeof batchTransfersRequest>;
export type PostPendingRequest = z.output<typeof postPendingRequest>;
export type VoidPendingRequest = z.output<typeof voidPendingRequest>;
export type ListQuery = z.output<typeof listQuery>;

export const createAccountRequest = z.strictObject({
  id: identifier.optional(),
  currency,
  code: code.optional(),
  metadata: metadata.optional(),
  flags: z
    .strictObject({
      debitsMustNotExceedCredits: z.boolean().optional(),
      creditsMustNotExceedDebits: z.boolean().optional(),
      /** Other tenants may pay into it (off: only this tenant's own transfers credit it). */
      acceptsExternalCredits: z.boolean().optional(),
    })
    .optional(),
});

export const createTransferRequest = z.strictObject({
  id: identifier.optional(),
  debitAccountId: identifier,
  creditAccountId: identifier,
  /** Pays another tenant's account: that tenant's id. */
  creditTenantId: identifier.optional(),
  amount: amount.transform(String),
  currency,
  code: code.optional(),
  metadata: metadata.optional(),
  /** Reserve now, post or void later. */
  pending: z.boolean().optional(),
  timeoutSeconds: timeoutSeconds.optional(),
});

export const batchTransfersRequest = z.strictObject({
  transfers: z
    .array(createTransferRequest.extend({ id: identifier, linked: z.boolean().optional() }))
    .min(1, { error: 'must hold at least one transfer' })
    .max(1_000, { error: 'must hold at most 1000 transfers' }),
});

export const postPendingRequest = z.strictObject({
  id: identifier.optional(),
  amount: amount.transform(String).optional(),
  metadata: metadata.optional(),
});

export const voidPendingRequest = z.strictObject({
  id: identifier.optional(),
  metadata: metadata.optional(),
});

export const settlementBatchId = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'is not a settlement batch id' });

export const listQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, { error: 'must be a whole number from 1 to 1000' })
    .optional(),
  cursor: z
    .string()
    .max(64, { error: 'is not a cursor this service issued' })
    .regex(/^[A-Za-z0-9_-]*$/, { error: 'is not a cursor this service issued' })
    .optional(),
});

/**
 * When the client names no id, the id is derived from the tenant and the
 * Idempotency-Key: the same key always means the same ledger id, so even if
 * the idempotency record in Redis were lost, a retry cannot post twice.
 */
export function derivedId(prefix: string, tenantId: string, idempotencyKey: string): string {
  return `${prefix}-${createHash('sha256').update(`${tenantId}\u0000${idempotencyKey}`).digest('hex').slice(0, 40)}`;
}
