import {
  databasePart,
  durationMs,
  httpServerPart,
  callerTokens,
  integer,
  ledgerPartitionsPart,
  redisPart,
  replicaIdentityPart,
  shutdownPart,
  telemetryPart,
  withServiceRules,
} from '@meridian/config';
import { z } from 'zod';
import { CALLERS } from './callers';

/** The ledger's environment (README, "Environment variables"). */
export const configSchema = withServiceRules(
  z.object({
    ...httpServerPart({ public: 3001, management: 9001 }),
    ...shutdownPart,
    ...telemetryPart('ledger', { traceContextTrusted: true }),
    ...databasePart,
    ...redisPart,
    ...callerTokens(CALLERS),
    ...replicaIdentityPart,
    ...ledgerPartitionsPart,
    LEDGER_PARTITION_REBALANCE_MS: integer({ min: 100, max: 60_000, default: 1_000 }).describe(
      "How often a replica takes the partitions it should own and lets go of the others; bounds how long a dead replica's partitions wait for a new owner.",
    ),
    LEDGER_BATCH_MAX_ITEMS: integer({ min: 1, max: 10_000, default: 1_000 }).describe(
      'Most transfer commands in one posting transaction (micro-batching).',
    ),
    LEDGER_BATCH_WINDOW_MS: durationMs(2, 1_000).describe(
      'How long a request may wait to join a batch while another batch is running.',
    ),
    LEDGER_BATCH_CONCURRENCY: integer({ min: 1, max: 64, default: 2 }).describe(
      'Posting transactions running at once; further requests queue and merge.',
    ),
    LEDGER_MAX_EXTERNAL_PENDING_SECONDS: integer({ min: 1, max: 2_592_000, default: 86_400 }).describe(
      "Longest a pending transfer to another tenant's account may reserve its credit; also the timeout when none is given.",
    ),
    LEDGER_EXPIRY_INTERVAL_MS: durationMs(1_000, 60_000).describe(
      'How often pending transfers past their timeout are expired.',
    ),
    LEDGER_OUTBOX_POLL_MS: durationMs(100, 60_000).describe(
      'How often the outbox relay looks for events to publish; while a backlog remains it runs again at once.',
    ),
    LEDGER_OUTBOX_RETENTION_HOURS: integer({ min: 1, max: 8_760, default: 72 }).describe(
      'How long published outbox rows are kept before deletion.',
    ),
  }),
);

export type LedgerConfig = z.output<typeof configSchema>;
