import { z } from 'zod';

/**
 * Wire formats of the ledger's API, shared by the ledger (which enforces
 * them) and its clients (the api checks them at the door, so a bad field is
 * named to the customer before any call is made). Messages say what to fix.
 */

/** Largest amount or balance: PostgreSQL BIGINT, a signed 64-bit integer. */
export const MAX_AMOUNT = 2n ** 63n - 1n;

/** A type error that tells "missing" apart from "wrong type". */
export const expected = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

/** Client-supplied identifiers: tenants, accounts, transfers. */
export const identifier = z
  .string({ error: expected('a string') })
  .min(1, { error: 'must not be empty' })
  .max(64, { error: 'must be at most 64 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, {
    error: 'may hold only letters, digits, ".", "_", ":" and "-", and must start with a letter or digit',
  });

const DIGITS = /^(0|[1-9][0-9]*)$/;

/** Parses a decimal string of minor units; returns what to fix instead of a value when it is not valid. */
export function parsePositiveAmount(text: string): bigint | string {
  if (!DIGITS.test(text)) return 'must be a string of decimal digits (integer minor units, e.g. "1050")';
  const value = BigInt(text);
  if (value <= 0n) return 'must be greater than zero';
  if (value > MAX_AMOUNT) return `must be at most ${MAX_AMOUNT} (the largest 64-bit amount)`;
  return value;
}

/** Money: a decimal string of minor units, 1..2^63-1, parsed to bigint. */
export const amount = z
  .string({ error: expected('a string of decimal digits (integer minor units, e.g. "1050")') })
  .transform((text, ctx) => {
    const parsed = parsePositiveAmount(text);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

/** ISO 4217 codes as known to this runtime's ICU data (no list to maintain by hand). */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const isCurrency = (code: string): boolean => CURRENCIES.has(code);

export const currency = z
  .string({ error: expected('a string') })
  .refine((code) => /^[A-Z]{3}$/.test(code) && isCurrency(code), {
    error: 'must be an ISO 4217 currency code, e.g. "EUR"',
  });

export const code = z
  .number({ error: expected('an integer') })
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must be at least 0' })
  .max(65_535, { error: 'must be at most 65535' });

/** Small, flat string metadata: at most 16 entries, keys up to 64 and values up to 256 characters. */
export const metadata = z
  .record(
    z
      .string()
      .min(1, { error: 'keys must not be empty' })
      .max(64, { error: 'keys must be at most 64 characters' }),
    z
      .string({ error: 'values must be strings' })
      .max(256, { error: 'values must be at most 256 characters' }),
    { error: 'must be an object of string values' },
  )
  .refine((value) => Object.keys(value).length <= 16, { error: 'must have at most 16 entries' });

/** Longest timeout of a pending transfer: 30 days. */
export const MAX_TIMEOUT_SECONDS = 2_592_000;

export const timeoutSeconds = z
  .number({ error: expected('a whole number of seconds') })
  .int({ error: 'must be a whole number of seconds' })
  .min(1, { error: 'must be at least 1' })
  .max(MAX_TIMEOUT_SECONDS, { error: `must be at most ${MAX_TIMEOUT_SECONDS} (30 days)` });

/**
 * Transfer code reserved for net settlements posted by the settlement service.
 * Settlement ignores transfers with it (they settle obligations; they are not
 * new ones), and the public api does not let customers use it.
 */
export const SETTLEMENT_TRANSFER_CODE = 65_535;

/** Codes open to customers through the public api. */
export const customerCode = code.max(SETTLEMENT_TRANSFER_CODE - 1, {
  error: `must be at most ${SETTLEMENT_TRANSFER_CODE - 1} (${SETTLEMENT_TRANSFER_CODE} is reserved for settlements)`,
});
