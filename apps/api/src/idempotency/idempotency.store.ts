import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { ApiConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { InjectRedis } from '@meridian/redis';
import type { Redis } from 'ioredis';

/** What a finished request left behind, to replay. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

type Record_ =
  | { state: 'in_flight'; fingerprint: string; claim: string }
  | ({ state: 'done'; fingerprint: string } & StoredResponse);

export type Claim =
  | { kind: 'acquired'; claim: string }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

/** Writes `value` only while the record still holds our claim (a lock that timed out may have passed on). */
const REPLACE_IF_CLAIMED = `
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current).claim ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
return 1`;

/**
 * Idempotency-Key records in Redis, per tenant, following the IETF
 * Idempotency-Key draft. A record is first an in-flight lock (SET NX with a
 * timeout), then the stored response, kept for IDEMPOTENCY_RETENTION_SECONDS
 * (at least 24 h) and then forgotten by Redis itself: past retention, the same
 * key counts as new. The fingerprint (method, path, canonical body) tells a
 * retry from a different request that reuses the key.
 */
@Injectable()
export class IdempotencyStore {
  constructor(
    @InjectRedis() private readonly redis: Redis,
    @InjectConfig() private readonly config: ApiConfig,
  ) {}

  /** The Redis key of a tenant's Idempotency-Key (hashed: keys are client-chosen text). */
  recordKey(tenantId: string, key: string): string {
    const digest = createHash('sha256').update(key).digest('hex');
    return `${this.config.REDIS_KEY_PREFIX}:idempotency:${tenantId}:${digest}`;
  }

  async claim(tenantId: string, key: string, fingerprint: string): Promise<Claim> {
    const redisKey = this.recordKey(tenantId, key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const claim = randomUUID();
      const record: Record_ = { state: 'in_flight', fingerprint, claim };
      const set = await this.redis.set(
        redisKey,
        JSON.stringify(record),
        'PX',
        this.config.IDEMPOTENCY_LOCK_TIMEOUT_MS,
        'NX',
      );
      if (set === 'OK') return { kind: 'acquired', claim };
      const raw = await this.redis.get(redisKey);
      if (raw === null) continue; // expired between the two calls: try again
      const existing = JSON.parse(raw) as Record_;
      if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (existing.state === 'in_flight') return { kind: 'in_flight' };
      return {
        kind: 'replay',
        response: { status: existing.status, headers: existing.headers, body: existing.body },
      };
    }
    return { kind: 'in_flight' };
  }

  async complete(
    tenantId: string,
    key: string,
    claim: string,
    fingerprint: string,
    response: StoredResponse,
  ) {
    const record: Record_ = { state: 'done', fingerprint, ...response };
    await this.redis.eval(
      REPLACE_IF_CLAIMED,
      1,
      this.recordKey(tenantId, key),
      claim,
      JSON.stringify(record),
      String(this.config.IDEMPOTENCY_RETENTION_SECONDS),
    );
  }

  /** Forgets an in-flight claim (the request failed in a way a retry should redo). */
  async release(tenantId: string, key: string, claim: string): Promise<void> {
    await this.redis.eval(REPLACE_IF_CLAIMED, 1, this.recordKey(tenantId, key), claim, '', '0');
  }
}
