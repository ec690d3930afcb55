import { z } from 'zod';
import { perCaller } from './caller-rules';
import { amount, metadata } from './validation';

/** Posting a pending transfer: the new transfer's id, and optionally less than the pending amount. */
export const postPendingRequest = perCaller((rules) =>
  z.strictObject({
    id: rules.ids,
    amount: amount.optional(),
    code: rules.code.optional(),
    metadata: metadata.optional(),
  }),
);

/** Voiding a pending transfer: the new transfer's id; a void releases the whole amount. */
export const voidPendingRequest = perCaller((rules) =>
  z.strictObject({ id: rules.ids, code: rules.code.optional(), metadata: metadata.optional() }),
);

export type PostPendingRequest = z.output<(typeof postPendingRequest)['api']>;
export type VoidPendingRequest = z.output<(typeof voidPendingRequest)['api']>;
