import { type z } from 'zod';

type WithShutdown = z.ZodObject<{
  SHUTDOWN_DELAY_MS: z.ZodType<number, string | undefined>;
  SHUTDOWN_TIMEOUT_MS: z.ZodType<number, string | undefined>;
}>;

/** Rules that span several variables; each problem still names the variable to change. */
export function withShutdownRules<T extends WithShutdown>(schema: T) {
  return schema.superRefine((config, ctx) => {
    if (config.SHUTDOWN_DELAY_MS >= config.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SHUTDOWN_DELAY_MS'],
        message: 'must be smaller than SHUTDOWN_TIMEOUT_MS, or draining has no time left',
      });
    }
  });
}
