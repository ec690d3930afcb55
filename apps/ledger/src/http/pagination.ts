import { z } from 'zod';
import { validationProblem } from '@meridian/bootstrap';
import type { PageRequest } from '../application/ledger-queries.port';
import { decodeCursor } from './representations';
import { parseOrThrow } from './validation';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1_000;

const pageQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d+$/, { error: 'must be a whole number' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { error: 'must be at least 1' })
        .max(MAX_PAGE_SIZE, { error: `must be at most ${MAX_PAGE_SIZE}` }),
    )
    .optional(),
  cursor: z.string().max(64, { error: 'is not a cursor this service issued' }).optional(),
});

/** `?limit=&cursor=` of a list endpoint. */
export function pageOf(query: unknown): PageRequest {
  const { limit, cursor } = parseOrThrow(pageQuery, query ?? {});
  if (cursor === undefined) return { limit: limit ?? DEFAULT_PAGE_SIZE, after: null };
  const after = decodeCursor(cursor);
  if (after === null)
    throw validationProblem([{ field: 'cursor', message: 'is not a cursor this service issued' }]);
  return { limit: limit ?? DEFAULT_PAGE_SIZE, after };
}
