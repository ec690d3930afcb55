import { z } from 'zod';

/**
 * Wire formats of the ledger's API, shared by the ledger (which enforces
 * them) and its clients (the api checks them at the door, so a bad field is
 * named to the customer before any call is made). Messages say what to fix.
 */

/** Largest value of PostgreSQL's BIGINT, a signed 64-bit integer. */
export const MAX_INT64 = 2n ** 63n - 1n;

/** Largest amount or balance: a BIGINT. */
export const MAX_AMOUNT = MAX_INT64;

/** A type error that tells "missing" apart from "wrong type". */
export const expected = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

const identifierOf = (pattern: RegExp, rule: string) =>
  z
    .string({ error: expected('a string') })
    .min(1, { error: 'must not be empty' })
    .max(64, { error: 'must be at most 64 characters' })
    .regex(pattern, { error: rule });

/** Client-supplied identifiers: tenants, accounts, transfers. */
export const identifier = identifierOf(
  /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
  'may hold only letters, digits, ".", "_", ":" and "-", and must start with a letter or digit',
);

/**
 * Identifiers that start with "_" belong to the platform: the accounts and
 * transfers Meridian's own services keep inside a tenant (its settlement
 * accounts, net settlement transfers). No client identifier can start with it,
 * so a tenant can neither create, name nor collide with them; the ledger
 * accepts them only from the settlement service's credential.
 */
export const PLATFORM_ID_PREFIX = '_';

export const isPlatformId = (id: string): boolean => id.startsWith(PLATFORM_ID_PREFIX);

/** An identifier a platform service may use: a client identifier, or a platform one. */
export const platformOrClientIdentifier = identifierOf(
  /^_?[A-Za-z0-9][A-Za-z0-9._:-]*$/,
  'may hold only letters, digits, ".", "_", ":" and "-", and must start with a letter, a digit or "_"',
);

/**
 * Money on the wire: integer minor units as a decimal string (JSON numbers
 * cannot carry 64 bits), without sign or leading zeros.
 */
export const MINOR_UNITS_PATTERN = /^(0|[1-9][0-9]*)$/;

const MINOR_UNITS = 'Integer minor units as a decimal string, e.g. "1050" for 10.50';

/** Parses a decimal string of minor units; returns what to fix instead of a value when it is not valid. */
export function parsePositiveAmount(text: string): bigint | string {
  if (!MINOR_UNITS_PATTERN.test(text))
    return 'must be a string of decimal digits (integer minor units, e.g. "1050")';
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
  })
  // What a document generated from the schema says (a transform alone would say only "a string").
  .meta({ description: `${MINOR_UNITS}; 1 to 2^63-1`, pattern: MINOR_UNITS_PATTERN.source });

/** An amount as the ledger writes it (representations, events): 1..2^63-1 minor units, kept as text. */
export const amountText = z
  .string()
  .regex(MINOR_UNITS_PATTERN, { error: 'must be a decimal amount from 1 to 2^63-1', abort: true })
  .refine((text) => typeof parsePositiveAmount(text) === 'bigint', {
    error: 'must be a decimal amount from 1 to 2^63-1',
  })
  .describe(MINOR_UNITS);

/** A balance as the ledger writes it: 0..2^63-1 minor units, kept as text. */
export const balanceText = z
  .string()
  .regex(MINOR_UNITS_PATTERN, { error: 'must be a decimal balance from 0 to 2^63-1', abort: true })
  .refine((text) => BigInt(text) <= MAX_AMOUNT, { error: 'must be a decimal balance from 0 to 2^63-1' })
  .describe(MINOR_UNITS);

/** ISO 4217 codes as known to this runtime's ICU data (no list to maintain by hand). */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const isCurrency = (code: string): boolean => CURRENCIES.has(code);

/** The form of an ISO 4217 code; isCurrency says whether it is one. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

export const currency = z
  .string({ error: expected('a string') })
  .refine((code) => CURRENCY_PATTERN.test(code) && isCurrency(code), {
    error: 'must be an ISO 4217 currency code, e.g. "EUR"',
  })
  .meta({ description: 'An ISO 4217 currency code, e.g. "EUR"', pattern: CURRENCY_PATTERN.source });

export const code = z
  .number({ error: expected('an integer') })
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must be at least 0' })
  .max(65_535, { error: 'must be at most 65535' });

/**
 * Text that PostgreSQL stores as it is: no NUL character (text and jsonb
 * refuse it) and no unpaired UTF-16 surrogate (not valid Unicode, so not
 * valid UTF-8 once encoded). Anything else, however strange, is kept.
 */
export const isStorableText = (text: string): boolean => text.isWellFormed() && !text.includes('\u0000');

/**
 * A string field of free text, up to `max` characters, that PostgreSQL can
 * store. `subject` starts each message ("values must ..."), when the field is
 * a part of something larger.
 */
export const storableText = (max: number, subject = '') => {
  const must = subject === '' ? 'must' : `${subject} must`;
  return z
    .string({ error: expected('a string') })
    .max(max, { error: `${must} be at most ${max} characters` })
    .refine(isStorableText, { error: `${must} not contain NUL characters or unpaired surrogates` });
};

/** Small, flat string metadata: at most 16 entries, keys up to 64 and values up to 256 characters. */
export const metadata = z
  .record(storableText(64, 'keys').min(1, { error: 'keys must not be empty' }), storableText(256, 'values'), {
    // A bad key is reported by the record itself, which would otherwise hide what is wrong with it.
    error: (issue) =>
      issue.code === 'invalid_key'
        ? 'keys must be 1 to 64 characters, without NUL characters or unpaired surrogates'
        : 'must be an object of string values',
  })
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
