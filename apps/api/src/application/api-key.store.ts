import { Injectable } from '@nestjs/common';
import type { ApiConfig } from '../config';
import { InjectConfig } from '@meridian/config/nest';
import { LRUCache } from 'lru-cache';
import { parseToken, type Scope, secretMatches } from '../domain/api-key';
import { TenantStore } from './tenant-store.port';

export interface Principal {
  tenantId: string;
  keyId: string;
  scopes: ReadonlySet<Scope>;
}

interface KnownKey {
  principal: Principal;
  secretHash: string;
}

/** Most keys of each kind remembered per replica. */
const CACHE_ENTRIES = 10_000;

/**
 * Verifies API keys. Lookups are cached in process for API_KEY_CACHE_TTL_MS
 * (a few seconds), which keeps the database off the hot path; a revoked key
 * stops working once its entry expires. Valid keys and unknown (or revoked)
 * key ids are cached apart, each least-recently-used first: a flood of made-up
 * keys only pushes other made-up keys out, never a customer's good one.
 * Nothing else is kept in memory, so any replica serves any request.
 */
@Injectable()
export class ApiKeyStore {
  private readonly known: LRUCache<string, KnownKey>;
  private readonly unknown: LRUCache<string, true>;

  constructor(
    private readonly store: TenantStore,
    @InjectConfig() config: ApiConfig,
  ) {
    const options = { max: CACHE_ENTRIES, ttl: config.API_KEY_CACHE_TTL_MS, ttlAutopurge: false };
    this.known = new LRUCache(options);
    this.unknown = new LRUCache(options);
  }

  /** The principal of a token whose key is cached as valid; null when verifying it would need the database. */
  cached(token: string): Principal | null {
    const parsed = parseToken(token);
    const known = parsed && this.known.get(parsed.keyId);
    return known && secretMatches(parsed.secret, known.secretHash) ? known.principal : null;
  }

  async verify(token: string): Promise<Principal | null> {
    const parsed = parseToken(token);
    if (!parsed || this.unknown.has(parsed.keyId)) return null;
    let known = this.known.get(parsed.keyId);
    if (!known) {
      const key = await this.store.findKey(parsed.keyId);
      if (!key || key.revokedAt) {
        this.unknown.set(parsed.keyId, true);
        return null;
      }
      known = {
        principal: { tenantId: key.tenantId, keyId: key.id, scopes: new Set(key.scopes) },
        secretHash: key.secretHash,
      };
      this.known.set(parsed.keyId, known);
    }
    return secretMatches(parsed.secret, known.secretHash) ? known.principal : null;
  }
}
