import {
  adminTokenPart,
  boolean,
  callerTokens,
  databasePart,
  durationMs,
  httpServerPart,
  integer,
  internalServiceTarget,
  ledgerPartitionsPart,
  redisPart,
  shutdownPart,
  telemetryPart,
  withServiceRules,
} from '@meridian/config';
import { z } from 'zod';
import { CALLERS } from './callers';

/** IETF Idempotency-Key draft: servers keep records for at least 24 hours. */
const DAY_SECONDS = 86_400;

/** The internal services the api calls; each has its own URL, token and client settings. */
export const ledgerTarget = internalServiceTarget('ledger', {
  title: 'ledger',
  defaultUrl: 'http://127.0.0.1:3001',
});
export const settlementTarget = internalServiceTarget('settlement', {
  title: 'settlement service',
  defaultUrl: 'http://127.0.0.1:3002',
});

/** The api's environment (README, "Environment variables"). */
export const configSchema = withServiceRules(
  z.object({
    ...httpServerPart({ public: 3000, management: 9000 }),
    ...shutdownPart,
    ...telemetryPart('api', { traceContextTrusted: false }),
    ...databasePart,
    ...redisPart,
    ...ledgerTarget.fields,
    ...ledgerPartitionsPart,
    ...settlementTarget.fields,
    ...callerTokens(CALLERS),
    ...adminTokenPart('manage tenants and API keys'),
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
      'The longest a request holds its Idempotency-Key while in flight; past it another may take the key over.',
    ),
    IDEMPOTENCY_LEASE_MS: durationMs(2_000, 60_000).describe(
      'The key of a request in flight is held for this long at a time, renewed while the request runs: a key whose process died is free again within it.',
    ),
    IDEMPOTENCY_MAX_RECORD_BYTES: integer({ min: 65_536, max: 16 * 1_048_576, default: 65_536 }).describe(
      'Largest Idempotency-Key record stored whole; larger responses (big batches) are stored as their results and rebuilt from the ledger on replay.',
    ),
    IDEMPOTENCY_TENANT_BUDGET_BYTES: integer({
      min: 1_048_576,
      max: 64 * 1_073_741_824,
      default: 256 * 1_048_576,
    }).describe(
      "Idempotency-Key storage one tenant may hold in Redis; once spent, its new keyed requests get 429 until old records expire. Size Redis's maxmemory for tenants x budget.",
    ),
    TENANT_MAX_IN_FLIGHT: integer({ min: 1, max: 10_000, default: 16 }).describe(
      'Requests of one tenant this replica works on at once; more get 429, so no tenant can take every ledger call slot.',
    ),
    AUTH_FAILURE_LIMIT: integer({ min: 1, max: 100_000, default: 20 }).describe(
      'Failed authentications one client address may make per AUTH_FAILURE_WINDOW_SECONDS before its unknown keys get 429.',
    ),
    AUTH_FAILURE_WINDOW_SECONDS: integer({ min: 1, max: 86_400, default: 60 }).describe(
      'The window of AUTH_FAILURE_LIMIT.',
    ),
    TRUST_PROXY_HOPS: integer({ min: 0, max: 10, default: 0 }).describe(
      'Proxies in front of the api (load balancer, ingress) whose X-Forwarded-For names the client; 0: the TCP peer is the client.',
    ),
    RATE_LIMIT_REQUESTS: integer({ min: 1, max: 1_000_000, default: 100 }).describe(
      'Requests a tenant may make per RATE_LIMIT_WINDOW_SECONDS.',
    ),
    RATE_LIMIT_WINDOW_SECONDS: integer({ min: 1, max: 3_600, default: 1 }).describe('The rate-limit window.'),
    DOCS_ENABLED: boolean(true).describe(
      'Serves the API reference at /docs and the OpenAPI document at /docs/openapi.json; false: both answer 404.',
    ),
  }),
);

export type ApiConfig = z.output<typeof configSchema>;
