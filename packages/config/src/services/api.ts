import { z } from 'zod';
import { durationMs, integer, secret, url } from '../fields';
import {
  databasePart,
  httpServerPart,
  ledgerClientPart,
  redisPart,
  shutdownPart,
  telemetryPart,
} from '../parts';
import { withServiceRules } from '../rules';

/** IETF Idempotency-Key draft: servers keep records for at least 24 hours. */
const DAY_SECONDS = 86_400;

export const apiConfigSchema = withServiceRules(
  z.object({
    ...httpServerPart({ public: 3000, management: 9000 }),
    ...shutdownPart,
    ...telemetryPart('api', { traceContextTrusted: false }),
    ...databasePart,
    ...redisPart,
    ...ledgerClientPart,
    SETTLEMENT_URL: url(['http', 'https'], { default: 'http://127.0.0.1:3002' }).describe(
      'Base URL of the settlement service (its internal API), for /v1/settlements.',
    ),
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
  }),
);

export type ApiConfig = z.output<typeof apiConfigSchema>;
