import { z } from 'zod';
import type { PageRequest } from '../application/ledger-queries.port';
import { decodeCursor } from './representations';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1_000;

const NOT_OURS = 'is not a cursor this service issued';

/** `?limit=&cursor=` of a list endpoint, as the page it asks for. */
export const pageQuery: z.ZodType<PageRequest, Record<string, string>> = z
  .strictObject({
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
    cursor: z
      .string()
      .max(64, { error: NOT_OURS })
      .transform((cursor, ctx) => {
        const after = decodeCursor(cursor);
        if (after === null) ctx.addIssue({ code: 'custom', message: NOT_OURS });
        return after ?? z.NEVER;
      })
      .optional(),
  })
  .transform(({ limit, cursor }) => ({ limit: limit ?? DEFAULT_PAGE_SIZE, after: cursor ?? null }));
