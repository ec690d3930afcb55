import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ApiConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { InjectRedis } from '@meridian/redis';
import type { Redis } from 'ioredis';
import { COUNT_REQUEST, type RateLimitState, TenantRateLimit } from './tenant-rate-limit';

/** What a finished request left behind, to replay. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * A response too large to keep whole, kept as what rebuilds it (see
 * ResponseCompactor) and the digest of the whole, which the rebuilt one must match.
 */
export interface CompactedResponse {
  status: number;
  headers: Record<string, string>;
  compact: unknown;
  digest: string;
}

type Record_ =
  | { state: 'in_flight'; fingerprint: string; claim: string }
  | ({ state: 'done'; fingerprint: string } & (StoredResponse | CompactedResponse));

export type Claim = (
  | { kind: 'acquired'; claim: string }
  | { kind: 'replay'; response: StoredResponse | CompactedResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' }
  | { kind: 'over_budget'; retryAfterSeconds: number }
  | { kind: 'rate_limited' }
) & {
  /** The tenant's rate limit after counting this request (every outcome counts it). */
  rate: RateLimitState;
};

/**
 * Counts the request against the tenant's rate limit and, unless that refuses
 * it, takes the key unless a record holds it (then returns that record),
 * after forgetting the tenant's records that have expired; refuses when the
 * tenant's stored bytes are at its budget. One round trip for both.
 * KEYS: record, tenant's usage (sorted set: "<record>:<bytes>:<claim>" by expiry), tenant's byte count,
 * tenant's rate-limit counter.
 * ARGV: in-flight record, lock ms, now ms, budget bytes, rate window ms, rate limit.
 * Answers {outcome, detail, count, ttl}: outcome 'rate_limited', 'over_budget' (detail: the oldest
 * record's expiry), 'existing' (detail: the record) or 'acquired'; count and ttl are the rate window's.
 */
const CLAIM = `${COUNT_REQUEST('KEYS[4]', 'ARGV[5]')}
if count > tonumber(ARGV[6]) then return {'rate_limited', '', count, ttl} end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if #expired > 0 then
  local freed = 0
  for _, member in ipairs(expired) do freed = freed + tonumber(string.match(member, ':(%d+):[^:]*$')) end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
  redis.call('DECRBY', KEYS[3], freed)
end
local existing = redis.call('GET', KEYS[1])
if existing then return {'existing', existing, count, ttl} end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[4]) then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {'over_budget', oldest[2] or ARGV[3], count, ttl}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'acquired', '', count, ttl}`;

/**
 * Writes the finished record only while it still holds our claim (a lock
 * that timed out may have passed on), and counts its bytes against the
 * tenant's budget until it expires. An empty value releases the claim.
 * KEYS: record, usage, byte count. ARGV: claim, value, ttl seconds, now ms, record digest.
 */
const COMPLETE = `
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current).claim ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
local bytes = string.len(ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[4]) + tonumber(ARGV[3]) * 1000, ARGV[5] .. ':' .. bytes .. ':' .. ARGV[1])
redis.call('INCRBY', KEYS[3], bytes)
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1`;

/**
 * Extends the in-flight record's lease while it still holds our claim.
 * KEYS: record. ARGV: claim, lease ms.
 */
const RENEW = `
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current).claim ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;

/**
 * Idempotency-Key records in Redis, per tenant, following the IETF
 * Idempotency-Key draft. A record is first an in-flight lock, held for
 * IDEMPOTENCY_LEASE_MS at a time and renewed while its request runs (up to
 * IDEMPOTENCY_LOCK_TIMEOUT_MS), so the key of a request whose process died
 * is free again within the lease; then the stored response, kept for IDEMPOTENCY_RETENTION_SECONDS
 * (at least 24 h) and then forgotten by Redis itself: past retention, the same
 * key counts as new. The fingerprint (method, path, canonical body) tells a
 * retry from a different request that reuses the key.
 *
 * Budgets keep one tenant from filling the Redis others depend on: a record
 * larger than IDEMPOTENCY_MAX_RECORD_BYTES is stored compacted (the caller
 * rebuilds it on replay), and a tenant whose records add up to
 * IDEMPOTENCY_TENANT_BUDGET_BYTES gets `over_budget` for new keys until its
 * oldest records expire.
 */
@Injectable()
export class IdempotencyStore {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: ApiConfig,
    private readonly rateLimit: TenantRateLimit,
  ) {}

  /** The Redis keys of a tenant's Idempotency-Key (hashed: keys are client-chosen text). */
  private keysOf(tenantId: string, key: string) {
    const digest = createHash('sha256').update(key).digest('hex');
    const prefix = this.config.REDIS_KEY_PREFIX;
    return {
      digest,
      keys: [
        `${prefix}:idempotency:${tenantId}:${digest}`,
        `${prefix}:idempotency-usage:${tenantId}`,
        `${prefix}:idempotency-bytes:${tenantId}`,
      ],
    };
  }

  get retentionSeconds(): number {
    return this.config.IDEMPOTENCY_RETENTION_SECONDS;
  }

  /** Counts the request against the tenant's rate limit and, unless refused, claims the key. */
  async claim(tenantId: string, key: string, fingerprint: string): Promise<Claim> {
    const { keys } = this.keysOf(tenantId, key);
    const counter = this.rateLimit.counterOf(tenantId);
    const claim = randomUUID();
    const record: Record_ = { state: 'in_flight', fingerprint, claim };
    const now = Date.now();
    const [outcome, detail, count, ttl] = (await this.redis.eval(
      CLAIM,
      keys.length + 1,
      ...keys,
      counter.key,
      JSON.stringify(record),
      String(this.config.IDEMPOTENCY_LEASE_MS),
      String(now),
      String(this.config.IDEMPOTENCY_TENANT_BUDGET_BYTES),
      counter.windowMs,
      String(this.rateLimit.limit),
    )) as [string, string, number, number];
    const rate = this.rateLimit.counted(tenantId, count, ttl);
    if (outcome === 'rate_limited') return { kind: 'rate_limited', rate };
    if (outcome === 'acquired') return { kind: 'acquired', claim, rate };
    if (outcome === 'over_budget') {
      return {
        kind: 'over_budget',
        retryAfterSeconds: Math.max(1, Math.ceil((Number(detail) - now) / 1000)),
        rate,
      };
    }
    const existing = JSON.parse(detail) as Record_;
    if (existing.fingerprint !== fingerprint) return { kind: 'mismatch', rate };
    if (existing.state === 'in_flight') return { kind: 'in_flight', rate };
    const { state: _state, fingerprint: _fingerprint, ...response } = existing;
    return { kind: 'replay', response, rate };
  }

  /**
   * Keeps the claim's lease while its request runs: renewed every third of
   * IDEMPOTENCY_LEASE_MS until IDEMPOTENCY_LOCK_TIMEOUT_MS has passed since the
   * claim. Returns what stops it. A renewal that fails (Redis away for a
   * moment) is tried again at the next tick.
   */
  holdWhileInFlight(tenantId: string, key: string, claim: string): () => void {
    const { keys } = this.keysOf(tenantId, key);
    const until = Date.now() + this.config.IDEMPOTENCY_LOCK_TIMEOUT_MS;
    const lease = this.config.IDEMPOTENCY_LEASE_MS;
    const timer = setInterval(
      () => {
        if (Date.now() >= until) return clearInterval(timer);
        const remaining = Math.min(lease, until - Date.now());
        this.redis.eval(RENEW, 1, keys[0]!, claim, String(remaining)).catch(() => undefined);
      },
      Math.max(1, Math.floor(lease / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Stores the finished request's response; false, with nothing written and
   * the claim still held, when the record would be larger than
   * IDEMPOTENCY_MAX_RECORD_BYTES (then store it compacted, or release the key).
   */
  async complete(
    tenantId: string,
    key: string,
    claim: string,
    fingerprint: string,
    response: StoredResponse | CompactedResponse,
  ): Promise<boolean> {
    const record = JSON.stringify({ state: 'done', fingerprint, ...response } satisfies Record_);
    if (Buffer.byteLength(record) > this.config.IDEMPOTENCY_MAX_RECORD_BYTES) return false;
    await this.write(tenantId, key, claim, record);
    return true;
  }

  /** Forgets an in-flight claim (the request failed in a way a retry should redo). */
  async release(tenantId: string, key: string, claim: string): Promise<void> {
    await this.write(tenantId, key, claim, '');
  }

  private async write(tenantId: string, key: string, claim: string, value: string): Promise<void> {
    const { keys, digest } = this.keysOf(tenantId, key);
    await this.redis.eval(
      COMPLETE,
      keys.length,
      ...keys,
      claim,
      value,
      String(this.config.IDEMPOTENCY_RETENTION_SECONDS),
      String(Date.now()),
      digest,
    );
  }
}
