/**
 * Request validation: zod schemas, strict (unknown fields are errors), with
 * messages that say what to fix. The field formats are the ledger's contract
 * (@meridian/ledger-contract), shared with its clients. Controllers validate
 * through @meridian/bootstrap's pipes (CallerBody, ValidQuery, and the path
 * parameters of ./path-params), which report every problem at once, each
 * naming its field.
 */
export {
  amount,
  code,
  currency,
  expected,
  identifier,
  metadata,
  timeoutSeconds,
} from '@meridian/ledger-contract';
