/**
 * The problem types the public API answers with (docs/problems.md), as the
 * OpenAPI document shows them: the status, and an example body of each.
 * Titles are the ones the code sends.
 */
export interface ProblemExample {
  status: number;
  title: string;
  detail: string;
  /** Extension members the problem carries. */
  extensions?: Record<string, unknown>;
}

export const PROBLEMS = {
  'validation-failed': {
    status: 400,
    title: 'The request is not valid',
    detail: 'amount: must be a string of decimal digits (integer minor units, e.g. "1050")',
    extensions: {
      errors: [
        { field: 'amount', message: 'must be a string of decimal digits (integer minor units, e.g. "1050")' },
      ],
    },
  },
  'malformed-json': {
    status: 400,
    title: 'The request body is not valid JSON',
    detail: 'Send a well-formed JSON document in the body.',
  },
  'idempotency-key-missing': {
    status: 400,
    title: 'An Idempotency-Key header is required',
    detail:
      'Send a unique Idempotency-Key (e.g. a UUID) with every request that creates or moves money, and the same key when you retry it.',
  },
  'idempotency-key-invalid': {
    status: 400,
    title: 'The Idempotency-Key header is not valid',
    detail: 'Use 1 to 255 visible ASCII characters, e.g. a UUID; send the header once.',
  },
  unauthorized: {
    status: 401,
    title: 'Authentication is required',
    detail: 'The API key is not valid or was revoked.',
  },
  forbidden: { status: 403, title: 'The key lacks a scope', detail: 'This needs the "write" scope.' },
  'account-not-found': { status: 404, title: 'No such account', detail: 'The debit account does not exist.' },
  'transfer-not-found': {
    status: 404,
    title: 'No such transfer',
    detail: 'The tenant has no transfer "order-7731".',
  },
  'batch-not-found': {
    status: 404,
    title: 'No such settlement batch',
    detail: 'No batch "5b0e4c1e-2f7a-4d37-9a55-3f1c2a9e8b10".',
  },
  'idempotency-key-in-flight': {
    status: 409,
    title: 'A request with this Idempotency-Key is still in progress',
    detail: 'Retry after it completes to get its response.',
    extensions: { retryAfterSeconds: 1 },
  },
  'account-id-conflict': {
    status: 409,
    title: 'The account id exists with other fields',
    detail: 'Account "wallet" exists with a different currency.',
  },
  'transfer-id-conflict': {
    status: 409,
    title: 'The transfer id exists with other fields',
    detail: 'Transfer "order-7731" exists with a different amount.',
  },
  'transfer-id-already-failed': {
    status: 409,
    title: 'This transfer id failed before',
    detail: 'Transfer "order-7731" failed earlier and keeps that outcome; use a new id.',
  },
  'pending-transfer-resolved': {
    status: 409,
    title: 'The transfer is not pending',
    detail: 'It can no longer be posted or voided (pending transfer already voided).',
  },
  'payload-too-large': {
    status: 413,
    title: 'The request body is too large',
    detail: 'Send a smaller body.',
  },
  'uri-too-long': {
    status: 414,
    title: 'The request path is too long',
    detail: 'A path parameter is longer than any this service accepts.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'The request body must be application/json',
    detail: 'Send the body as application/json.',
  },
  'idempotency-key-reused': {
    status: 422,
    title: 'The Idempotency-Key was used for another request',
    detail: 'Use a new key for a different request; reuse a key only to retry the same one.',
  },
  'insufficient-funds': {
    status: 422,
    title: 'Insufficient funds',
    detail: 'The debit account cannot cover this amount (pending amounts included).',
  },
  'credit-limit-exceeded': {
    status: 422,
    title: 'Credit limit exceeded',
    detail: 'The credit account may not be credited beyond what it has been debited.',
  },
  'external-credit-refused': {
    status: 422,
    title: "The other tenant's account cannot take this transfer",
    detail:
      'It does not exist, is not open to payments from other tenants, or cannot take this amount in this currency.',
  },
  'currency-mismatch': {
    status: 422,
    title: 'Currencies differ',
    detail: 'Both accounts must hold the currency of the transfer.',
  },
  'balance-overflow': {
    status: 422,
    title: 'A balance would overflow',
    detail: 'An account balance would exceed 2^63-1 minor units.',
  },
  'exceeds-pending-amount': {
    status: 422,
    title: 'More than was reserved',
    detail: 'Post at most the pending amount.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    detail: "The tenant's limit is 100 requests per 1 s; retry after 1 s.",
    extensions: { retryAfterSeconds: 1 },
  },
  'tenant-concurrency-exceeded': {
    status: 429,
    title: 'Too many requests in progress',
    detail: 'The tenant may have 32 requests in progress at once; retry when one completes.',
    extensions: { retryAfterSeconds: 1 },
  },
  'authentication-rate-limited': {
    status: 429,
    title: 'Too many failed authentications',
    detail: 'This client address failed to authenticate too often; retry after 60 s with a valid API key.',
    extensions: { retryAfterSeconds: 60 },
  },
  'idempotency-budget-exhausted': {
    status: 429,
    title: "The tenant's Idempotency-Key storage is full",
    detail: 'New keys are refused until older records expire (retention 24 h); retry after Retry-After.',
    extensions: { retryAfterSeconds: 60 },
  },
  'idempotency-store-unavailable': {
    status: 503,
    title: 'Idempotency-Key records are unreachable for a moment',
    detail: 'Nothing was done; retry with the same Idempotency-Key.',
    extensions: { retryAfterSeconds: 1 },
  },
} satisfies Record<string, ProblemExample>;

export type ProblemSlug = keyof typeof PROBLEMS | `${string}-error` | `${string}-unavailable`;

/** The problems of an internal service the api calls (service-client's wording). */
export const calleeProblems = (name: string, title: string): Record<string, ProblemExample> => ({
  [`${name}-error`]: {
    status: 502,
    title: `The ${title} answered unexpectedly`,
    detail: `The ${title} answered 500.`,
  },
  [`${name}-unavailable`]: {
    status: 503,
    title: `The ${title} is unavailable`,
    detail:
      'Nothing was done that a retry cannot repeat safely (circuit open); retry with the same Idempotency-Key.',
    extensions: { retryAfterSeconds: 2 },
  },
});
