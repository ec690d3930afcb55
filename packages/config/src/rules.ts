import { type z } from 'zod';

type WithServiceFields = z.ZodObject<{
  PORT: z.ZodType<number, string | undefined>;
  MANAGEMENT_PORT: z.ZodType<number, string | undefined>;
  TEST_ROUTES_ENABLED: z.ZodType<boolean, string | undefined>;
  DEPLOYMENT_ENVIRONMENT: z.ZodType<string, string | undefined>;
  SHUTDOWN_DELAY_MS: z.ZodType<number, string | undefined>;
  SHUTDOWN_TIMEOUT_MS: z.ZodType<number, string | undefined>;
}>;

/** Rules that span several variables of a service; each problem still names the variable to change. */
export function withServiceRules<T extends WithServiceFields>(schema: T) {
  return schema.superRefine((config, ctx) => {
    if (config.SHUTDOWN_DELAY_MS >= config.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SHUTDOWN_DELAY_MS'],
        message: 'must be smaller than SHUTDOWN_TIMEOUT_MS, or draining has no time left',
      });
    }
    // Port 0 asks for a free port, so two zeros never collide.
    if (config.MANAGEMENT_PORT !== 0 && config.MANAGEMENT_PORT === config.PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['MANAGEMENT_PORT'],
        message: 'must differ from PORT: probes, /metrics and /admin have a listener of their own',
      });
    }
    if (config.TEST_ROUTES_ENABLED && config.DEPLOYMENT_ENVIRONMENT === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['TEST_ROUTES_ENABLED'],
        message: 'must not be true when DEPLOYMENT_ENVIRONMENT is production',
      });
    }
  });
}
