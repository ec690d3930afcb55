import {
  adminTokenPart,
  databasePart,
  durationMs,
  httpServerPart,
  callerTokens,
  integer,
  internalServiceTarget,
  ledgerPartitionsPart,
  redisPart,
  shutdownPart,
  telemetryPart,
  text,
  withServiceRules,
} from '@meridian/config';
import { z } from 'zod';
import { CALLERS } from './callers';

/** The ledger, the one internal service settlement calls. */
export const ledgerTarget = internalServiceTarget('ledger', {
  title: 'ledger',
  defaultUrl: 'http://127.0.0.1:3001',
});

/** The settlement service's environment (README, "Environment variables"). */
export const configSchema = withServiceRules(
  z.object({
    ...httpServerPart({ public: 3002, management: 9002 }),
    ...shutdownPart,
    ...telemetryPart('settlement', { traceContextTrusted: true }),
    ...databasePart,
    ...redisPart,
    ...ledgerTarget.fields,
    ...ledgerPartitionsPart,
    ...callerTokens(CALLERS),
    WORKER_CONCURRENCY: integer({ min: 1, max: 256, default: 32 }).describe(
      'Ledger events one settlement process works on at once.',
    ),
    SETTLEMENT_CUTOFF_CRON: text({
      default: '0 0 * * * *',
      pattern: /^(\S+\s+){4,5}\S+$/,
      hint: 'must be a cron expression (5 or 6 fields)',
    }).describe(
      'When cut-offs run (cron, UTC; seconds first when 6 fields). Cut-offs can also be triggered on demand.',
    ),
    JOB_ATTEMPTS: integer({ min: 1, max: 100, default: 10 }).describe(
      'Attempts of a job before it is kept as failed.',
    ),
    JOB_BACKOFF_MS: durationMs(1_000, 600_000).describe(
      'First retry delay of a failed job; it doubles with each attempt, with jitter.',
    ),
    JOB_LOCK_MS: integer({ min: 1_000, max: 600_000, default: 30_000 }).describe(
      'How long a running job stays locked to its worker without a renewal (renewed every half of it): a job whose worker died is taken over by another within about twice this.',
    ),
    JOB_KEEP_COMPLETED_HOURS: integer({ min: 1, max: 720, default: 24 }).describe(
      'How long completed jobs are kept.',
    ),
    JOB_KEEP_FAILED_DAYS: integer({ min: 1, max: 365, default: 7 }).describe(
      'How long failed jobs are kept, with their reason.',
    ),
    SETTLEMENT_RETRY_INTERVAL_MS: integer({ min: 50, max: 600_000, default: 5_000 }).describe(
      'How often the retry loop looks for settlement instructions that are due for another attempt.',
    ),
    SETTLEMENT_RETRY_BACKOFF_MS: durationMs(10_000, 3_600_000).describe(
      'Delay before the first retry of an instruction the ledger did not post; it doubles with each attempt, with jitter.',
    ),
    SETTLEMENT_RETRY_BACKOFF_MAX_MS: durationMs(300_000, 86_400_000).describe(
      'Longest delay between two attempts of one instruction.',
    ),
    ...adminTokenPart('list, re-drive and cancel settlement instructions'),
  }),
).superRefine((config, ctx) => {
  if (config.SETTLEMENT_RETRY_BACKOFF_MAX_MS < config.SETTLEMENT_RETRY_BACKOFF_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['SETTLEMENT_RETRY_BACKOFF_MAX_MS'],
      message: 'must be at least SETTLEMENT_RETRY_BACKOFF_MS',
    });
  }
});

export type SettlementConfig = z.output<typeof configSchema>;
