import { z } from 'zod';
import { code, currency, expected, identifier, metadata, parseOrThrow } from '../../http/validation';

export const MAX_ACCOUNTS_PER_REQUEST = 1_000;

const accountItem = z
  .strictObject({
    id: identifier,
    currency,
    code: code.optional(),
    metadata: metadata.optional(),
    flags: z
      .strictObject({
        debitsMustNotExceedCredits: z.boolean({ error: expected('true or false') }).optional(),
        creditsMustNotExceedDebits: z.boolean({ error: expected('true or false') }).optional(),
      })
      .optional(),
  })
  .superRefine((item, ctx) => {
    if (item.flags?.debitsMustNotExceedCredits && item.flags.creditsMustNotExceedDebits) {
      ctx.addIssue({
        code: 'custom',
        path: ['flags'],
        message:
          'debitsMustNotExceedCredits and creditsMustNotExceedDebits exclude each other; set at most one',
      });
    }
  });

const createAccountsRequest = z.strictObject({
  accounts: z
    .array(accountItem, { error: expected('an array of accounts') })
    .min(1, { error: 'must hold at least one account' })
    .max(MAX_ACCOUNTS_PER_REQUEST, {
      error: `must hold at most ${MAX_ACCOUNTS_PER_REQUEST} accounts; split the batch`,
    }),
});

export interface NewAccount {
  id: string;
  currency: string;
  code: number;
  metadata: Record<string, string>;
  debitsMustNotExceedCredits: boolean;
  creditsMustNotExceedDebits: boolean;
}

export function parseAccounts(body: unknown): NewAccount[] {
  return parseOrThrow(createAccountsRequest, body).accounts.map((a) => ({
    id: a.id,
    currency: a.currency,
    code: a.code ?? 0,
    metadata: a.metadata ?? {},
    debitsMustNotExceedCredits: a.flags?.debitsMustNotExceedCredits ?? false,
    creditsMustNotExceedDebits: a.flags?.creditsMustNotExceedDebits ?? false,
  }));
}
