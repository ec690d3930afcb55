/** Money is a count of minor units (cents for USD), carried as bigint and as decimal strings in JSON. */
export type MinorUnits = bigint;

export { isCurrency, MAX_AMOUNT, parsePositiveAmount } from '@meridian/ledger-contract';
