import { z } from 'zod';
import { perCaller } from './caller-rules';
import { expected } from './validation';

/** Up to 1000 transfer ids, in the identifiers the caller may use. */
export const lookupTransfersRequest = perCaller((rules) =>
  z.strictObject({
    ids: z
      .array(rules.ids, { error: expected('an array of transfer ids') })
      .min(1, { error: 'must hold at least one id' })
      .max(1_000, { error: 'must hold at most 1000 ids' }),
  }),
);

export type LookupTransfersRequest = z.output<(typeof lookupTransfersRequest)['api']>;
