import { z } from 'zod';
import { durationMs, integer, text } from '../fields';
import {
  databasePart,
  httpServerPart,
  ledgerClientPart,
  redisPart,
  shutdownPart,
  telemetryPart,
} from '../parts';
import { withServiceRules } from '../rules';

export const settlementConfigSchema = withServiceRules(
  z.object({
    ...httpServerPart({ public: 3002, management: 9002 }),
    ...shutdownPart,
    ...telemetryPart('settlement', { traceContextTrusted: true }),
    ...databasePart,
    ...redisPart,
    ...ledgerClientPart,
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
    JOB_KEEP_COMPLETED_HOURS: integer({ min: 1, max: 720, default: 24 }).describe(
      'How long completed jobs are kept.',
    ),
    JOB_KEEP_FAILED_DAYS: integer({ min: 1, max: 365, default: 7 }).describe(
      'How long failed jobs are kept, with their reason.',
    ),
  }),
);

export type SettlementConfig = z.output<typeof settlementConfigSchema>;
