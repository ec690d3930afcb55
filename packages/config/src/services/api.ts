import { z } from 'zod';
import { durationMs, integer, secret } from '../fields';
import {
  databasePart,
  httpServerPart,
  ledgerClientPart,
  redisPart,
  shutdownPart,
  telemetryPart,
} from '../parts';
import { withShutdownRules } from '../rules';

/** IETF Idempotency-Key draft: servers keep records for at least 24 hours. */
const DAY_SECONDS = 86_400;

export const apiConfigSchema = withShutdownRules(
  z.object({
    ...httpServerPart(3000),
    ...shutdownPart,
    ...telemetryPart('api'),
    ...databasePart,
    ...redisPart,
    ...ledgerClientPart,
    ADMIN_TOKEN: secret(
      z
        .string({ error: 'is required' })
        .min(32, { error: 'must be at least 32 characters' })
        .describe(
          'Token of the /admin endpoints that manage tenants and API keys (secret; or ADMIN_TOKEN_FILE).',
        ),
    ),
    API_KEY_CACHE_TTL_MS: durationMs(5_000, 60_000).describe(
      'How long a verified API key is trusted without asking the database; a revoked key stops working after this.',
    ),
    IDEMPOTENCY_RETENTION_SECONDS: integer({
      min: DAY_SECONDS,
      max: 30 * DAY_SECONDS,
      default: DAY_SECONDS,
    }).describe(
      'How long an Idempotency-Key record is kept (at least 24 h); after it, the same key counts as new.',
    ),
    IDEMPOTENCY_LOCK_TIMEOUT_MS: durationMs(30_000, 600_000).describe(
      'How long a request holds its Idempotency-Key while in flight before another may take it over.',
    ),
    RATE_LIMIT_REQUESTS: integer({ min: 1, max: 1_000_000, default: 100 }).describe(
      'Requests a tenant may make per RATE_LIMIT_WINDOW_SECONDS.',
    ),
    RATE_LIMIT_WINDOW_SECONDS: integer({ min: 1, max: 3_600, default: 1 }).describe('The rate-limit window.'),
    LEDGER_TIMEOUT_MS: durationMs(2_000, 60_000).describe('Timeout of one call to the ledger.'),
    LEDGER_DEADLINE_MS: durationMs(5_000, 120_000).describe(
      'Overall time for a ledger call, retries included; past it the request fails with 503.',
    ),
    LEDGER_RETRIES: integer({ min: 0, max: 10, default: 2 }).describe(
      'Retries of an idempotent (GET) ledger call, with exponential backoff and full jitter.',
    ),
    LEDGER_BREAKER_FAILURES: integer({ min: 1, max: 1_000, default: 5 }).describe(
      'Consecutive ledger failures that open the circuit breaker.',
    ),
    LEDGER_BREAKER_HALF_OPEN_MS: durationMs(5_000, 300_000).describe(
      'How long the breaker stays open before letting one trial call through.',
    ),
    LEDGER_MAX_CONCURRENCY: integer({ min: 1, max: 10_000, default: 64 }).describe(
      'Ledger calls in flight at once (bulkhead).',
    ),
    LEDGER_MAX_QUEUE: integer({ min: 0, max: 10_000, default: 64 }).describe(
      'Ledger calls that may wait for a slot; beyond it requests fail with 503 at once.',
    ),
  }),
);

export type ApiConfig = z.output<typeof apiConfigSchema>;
