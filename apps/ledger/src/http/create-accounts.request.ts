import { z } from 'zod';
import type { NewAccount } from '../domain/account';
import { type CallerRules, perCaller } from './caller-rules';
import { currency, expected, metadata } from './validation';

export const MAX_ACCOUNTS_PER_REQUEST = 1_000;

const flag = () => z.boolean({ error: expected('true or false') }).optional();

export const createAccountsRequest = perCaller((rules: CallerRules) => {
  const accountItem = z
    .strictObject({
      id: rules.ids,
      currency,
      code: rules.code.optional(),
      metadata: metadata.optional(),
      flags: z
        .strictObject({
          debitsMustNotExceedCredits: flag(),
          creditsMustNotExceedDebits: flag(),
          acceptsExternalCredits: flag(),
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
  return z.strictObject({
    accounts: z
      .array(accountItem, { error: expected('an array of accounts') })
      .min(1, { error: 'must hold at least one account' })
      .max(MAX_ACCOUNTS_PER_REQUEST, {
        error: `must hold at most ${MAX_ACCOUNTS_PER_REQUEST} accounts; split the batch`,
      }),
  });
});

export type CreateAccountsRequest = z.output<(typeof createAccountsRequest)['api']>;

/** The accounts of a valid request, every optional field given its default. */
export function toNewAccounts({ accounts }: CreateAccountsRequest): NewAccount[] {
  return accounts.map((a) => ({
    id: a.id,
    currency: a.currency,
    code: a.code ?? 0,
    metadata: a.metadata ?? {},
    debitsMustNotExceedCredits: a.flags?.debitsMustNotExceedCredits ?? false,
    creditsMustNotExceedDebits: a.flags?.creditsMustNotExceedDebits ?? false,
    acceptsExternalCredits: a.flags?.acceptsExternalCredits ?? false,
  }));
}
