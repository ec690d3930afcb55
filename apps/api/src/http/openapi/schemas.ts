import { z } from 'zod';

/** Response shapes, for the OpenAPI document (requests are the validators themselves, in v1/requests.ts). */

const money = z
  .string()
  .regex(/^[0-9]+$/)
  .describe('Integer minor units as a decimal string, e.g. "1050" for 10.50');

export const account = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    currency: z.string().length(3),
    code: z.number().int(),
    metadata: z.record(z.string(), z.string()),
    flags: z.object({ debitsMustNotExceedCredits: z.boolean(), creditsMustNotExceedDebits: z.boolean() }),
    balances: z.object({
      debitsPending: money,
      debitsPosted: money,
      creditsPending: money,
      creditsPosted: money,
    }),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Account' });

export const transfer = z
  .object({
    tenantId: z.string(),
    id: z.string(),
    debitAccountId: z.string(),
    creditTenantId: z.string(),
    creditAccountId: z.string(),
    amount: money,
    currency: z.string().length(3),
    code: z.number().int(),
    metadata: z.record(z.string(), z.string()),
    flags: z.object({
      pending: z.boolean(),
      postPending: z.boolean(),
      voidPending: z.boolean(),
      linked: z.boolean(),
    }),
    pendingId: z.string().optional(),
    timeoutSeconds: z.number().int().nullable().optional(),
    pendingState: z
      .object({
        state: z.enum(['pending', 'posted', 'voided', 'expired']),
        expiresAt: z.iso.datetime().nullable(),
        resolvedById: z.string().nullable(),
        resolvedAt: z.iso.datetime().nullable(),
      })
      .optional(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Transfer' });

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const batchResults = z
  .object({
    results: z.array(
      z.object({
        index: z.number().int(),
        id: z.string(),
        result: z.string(),
        transfer: transfer.optional(),
      }),
    ),
  })
  .meta({ id: 'BatchResults' });

export const problem = z
  .object({
    type: z.url(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details; `type` is stable per error (docs/problems.md).',
  });

const settlementProgress = z
  .enum(['closing', 'posting', 'completed'])
  .describe(
    "Where the batch stands for the caller's tenant, from its own instructions only: closing (being netted), posting (one of its instructions is not posted yet), completed (all of them posted or cancelled)",
  );

export const settlementBatch = z
  .object({
    id: z.string(),
    state: settlementProgress,
    cutoffAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable().describe("When the tenant's last instruction was settled"),
    obligationCount: z
      .number()
      .int()
      .describe("The tenant's obligations in the batch (it pays or receives them)"),
    positions: z.array(
      z.object({
        tenantId: z.string(),
        currency: z.string(),
        net: z
          .string()
          .describe('Signed minor units: positive receives. Not bounded by 64 bits (a sum of transfers).'),
      }),
    ),
    instructions: z.array(
      z.object({
        payerTenantId: z.string(),
        payeeTenantId: z.string(),
        currency: z.string(),
        part: z.number().int().describe('A net beyond 2^63-1 is settled in parts of at most 2^63-1'),
        amount: money,
        transferId: z
          .string()
          .describe('The ledger transfer that settles it (the latest attempt while pending)'),
        state: z.enum(['pending', 'posted', 'cancelled']),
        reason: z
          .string()
          .nullable()
          .describe(
            'Why a pending instruction is not posted yet (the ledger result); shown to the payer only',
          ),
        postedAt: z.iso.datetime().nullable(),
      }),
    ),
  })
  .meta({ id: 'SettlementBatch' });

export const settlementList = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      state: settlementProgress,
      cutoffAt: z.iso.datetime(),
      completedAt: z.iso.datetime().nullable(),
    }),
  ),
});
