import {
  accountRepresentation,
  amountText,
  pageOf,
  transferRepresentation,
  transferResults,
} from '@meridian/ledger-contract';
import { z } from 'zod';

/**
 * Response shapes of the public API, for the OpenAPI document (requests are
 * the validators themselves, in ../requests.ts). Accounts and transfers are
 * the ledger's, passed on as they are: their schemas are the ledger's
 * contract (accountRepresentation, transferRepresentation).
 */

export const batchResults = transferResults.meta({ id: 'BatchResults' });

export const problem = z
  .object({
    type: z.url(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('validation-failed: each bad field and what to fix'),
    retryAfterSeconds: z.number().int().min(1).optional().describe('When to come back, as in Retry-After'),
  })
  // RFC 9457 lets a problem type carry members of its own.
  .loose()
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details; `type` is stable per error (docs/problems.md).',
  });

export const accountPage = pageOf(accountRepresentation).meta({ id: 'AccountPage' });

export const transferPage = pageOf(transferRepresentation).meta({ id: 'TransferPage' });

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
        amount: amountText,
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

export const settlementList = z
  .object({
    data: z.array(
      z.object({
        id: z.string(),
        state: settlementProgress,
        cutoffAt: z.iso.datetime(),
        completedAt: z.iso.datetime().nullable(),
      }),
    ),
  })
  .meta({ id: 'SettlementList' });
