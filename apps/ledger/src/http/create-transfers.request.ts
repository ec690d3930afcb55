import { z } from 'zod';
import type { TransferCommand } from '../domain/transfer';
import { type FieldError, validationProblem } from '@meridian/bootstrap';
import { type CallerRules, perCaller } from './caller-rules';
import { amount, currency, expected, identifier, metadata, timeoutSeconds } from './validation';

/** Most transfers in one request; larger batches should be split by the client. */
export const MAX_TRANSFERS_PER_REQUEST = 1_000;
const flags = z
  .strictObject({
    pending: z.boolean({ error: expected('true or false') }).optional(),
    postPending: z.boolean({ error: expected('true or false') }).optional(),
    voidPending: z.boolean({ error: expected('true or false') }).optional(),
    linked: z.boolean({ error: expected('true or false') }).optional(),
  })
  .optional();

/**
 * One transfer of a batch. Its fields depend on what it does:
 * - move or reserve money (`flags.pending`): debitAccountId, creditAccountId
 *   (and creditTenantId to pay another tenant), amount, currency, and for a
 *   pending transfer an optional timeoutSeconds;
 * - post or void a pending transfer (`flags.postPending` / `flags.voidPending`):
 *   pendingId, and for a post an optional amount (default: all of it).
 */
const transferItem = (rules: CallerRules) =>
  z
    .strictObject({
      id: rules.ids,
      debitAccountId: rules.ids.optional(),
      creditAccountId: rules.ids.optional(),
      creditTenantId: identifier.optional(),
      amount: amount.optional(),
      currency: currency.optional(),
      code: rules.code.optional(),
      metadata: metadata.optional(),
      flags,
      pendingId: rules.ids.optional(),
      timeoutSeconds: timeoutSeconds.optional(),
    })
    .superRefine((item, ctx) => {
      const f = item.flags ?? {};
      const kinds = [f.pending, f.postPending, f.voidPending].filter(Boolean).length;
      const problem = (path: string, message: string) =>
        ctx.addIssue({ code: 'custom', path: [path], message });
      if (kinds > 1)
        problem('flags', 'pending, postPending and voidPending exclude each other; set at most one');
      if (f.postPending || f.voidPending) {
        if (item.pendingId === undefined)
          problem('pendingId', 'is required to post or void a pending transfer');
        for (const field of [
          'debitAccountId',
          'creditAccountId',
          'creditTenantId',
          'currency',
          'timeoutSeconds',
        ] as const) {
          if (item[field] !== undefined)
            problem(field, 'must be omitted; it is taken from the pending transfer');
        }
        if (f.voidPending && item.amount !== undefined)
          problem('amount', 'must be omitted; a void releases the whole amount');
      } else {
        for (const field of ['debitAccountId', 'creditAccountId', 'amount', 'currency'] as const) {
          if (item[field] === undefined) problem(field, 'is required');
        }
        if (item.pendingId !== undefined)
          problem('pendingId', 'is only for postPending or voidPending transfers');
        if (item.timeoutSeconds !== undefined && !f.pending)
          problem('timeoutSeconds', 'is only for pending transfers');
      }
    });

export const createTransfersRequest = perCaller((rules) =>
  z.strictObject({
    transfers: z
      .array(transferItem(rules), { error: expected('an array of transfers') })
      .min(1, { error: 'must hold at least one transfer' })
      .max(MAX_TRANSFERS_PER_REQUEST, {
        error: `must hold at most ${MAX_TRANSFERS_PER_REQUEST} transfers; split the batch`,
      }),
  }),
);

export type TransferItem = z.output<ReturnType<typeof transferItem>>;
export type CreateTransfersRequest = z.output<(typeof createTransfersRequest)['api']>;

/** Rules of the ledger's configuration that requests must keep. */
export interface TransferLimits {
  /** Longest reservation on another tenant's account (LEDGER_MAX_EXTERNAL_PENDING_SECONDS). */
  maxExternalPendingSeconds: number;
}

/**
 * A valid create-transfers request as commands in the tenant of the request,
 * or a 400 problem naming every field that breaks a rule the schema cannot
 * check alone (it needs the tenant, or the ledger's configuration).
 */
export function toCommands(
  tenantId: string,
  { transfers }: CreateTransfersRequest,
  limits: TransferLimits,
): TransferCommand[] {
  const errors: FieldError[] = [];
  transfers.forEach((item, index) => {
    const sameTenant = (item.creditTenantId ?? tenantId) === tenantId;
    if (item.debitAccountId !== undefined && sameTenant && item.debitAccountId === item.creditAccountId) {
      errors.push({
        field: `transfers[${index}].creditAccountId`,
        message: 'must differ from debitAccountId',
      });
    }
    if (!sameTenant && (item.timeoutSeconds ?? 0) > limits.maxExternalPendingSeconds) {
      errors.push({
        field: `transfers[${index}].timeoutSeconds`,
        message: `must be at most ${limits.maxExternalPendingSeconds} for a transfer to another tenant`,
      });
    }
  });
  if (errors.length > 0) throw validationProblem(errors);
  return transfers.map((item) => toCommand(tenantId, item, limits));
}

/**
 * A validated item as a command of the posting engine, in the tenant of the
 * request. A reservation on another tenant's account always ends: without a
 * timeout it gets the longest one allowed, so no tenant can hold another's
 * account (or its credit capacity) forever.
 */
function toCommand(tenantId: string, item: TransferItem, limits: TransferLimits): TransferCommand {
  const f = item.flags ?? {};
  if (f.postPending || f.voidPending) {
    return {
      kind: f.postPending ? 'post_pending' : 'void_pending',
      tenantId,
      id: item.id,
      pendingId: item.pendingId!,
      amount: item.amount ?? null,
      code: item.code ?? null,
      metadata: item.metadata ?? {},
      linked: f.linked ?? false,
    };
  }
  const creditTenantId = item.creditTenantId ?? tenantId;
  return {
    kind: f.pending ? 'pending' : 'posted',
    tenantId,
    id: item.id,
    debitAccountId: item.debitAccountId!,
    creditTenantId,
    creditAccountId: item.creditAccountId!,
    amount: item.amount!,
    currency: item.currency!,
    code: item.code ?? 0,
    metadata: item.metadata ?? {},
    linked: f.linked ?? false,
    timeoutSeconds: f.pending
      ? (item.timeoutSeconds ?? (creditTenantId === tenantId ? null : limits.maxExternalPendingSeconds))
      : null,
  };
}
