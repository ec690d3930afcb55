/** Largest amount or balance: PostgreSQL BIGINT, i.e. a signed 64-bit integer. */
export const MAX_AMOUNT = 2n ** 63n - 1n;

/** Money is a count of minor units (cents for USD), carried as bigint and as decimal strings in JSON. */
export type MinorUnits = bigint;

const DIGITS = /^(0|[1-9][0-9]*)$/;

/**
 * Parses a decimal string of minor units. Returns an error message (what to
 * fix) instead of a value when it is not a positive integer within 64 bits.
 */
export function parsePositiveAmount(text: string): MinorUnits | string {
  if (!DIGITS.test(text)) return 'must be a string of decimal digits (integer minor units, e.g. "1050")';
  const value = BigInt(text);
  if (value <= 0n) return 'must be greater than zero';
  if (value > MAX_AMOUNT) return `must be at most ${MAX_AMOUNT} (the largest 64-bit amount)`;
  return value;
}

/** ISO 4217 codes as known to this runtime's ICU data (no list to maintain by hand). */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}
