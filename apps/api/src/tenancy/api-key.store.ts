import { Injectable } from '@nestjs/common';
import type { ApiConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { PrismaService } from '../infrastructure/persistence/prisma.service';
import { parseToken, type Scope, secretMatches } from './api-key';

export interface Principal {
  tenantId: string;
  keyId: string;
  scopes: ReadonlySet<Scope>;
}

interface CacheEntry {
  principal: Principal | null;
  secretHash: string | null;
  expiresAt: number;
}

/**
 * Verifies API keys. Lookups are cached in process for API_KEY_CACHE_TTL_MS
 * (a few seconds), which keeps the database off the hot path; a revoked key
 * stops working once its entry expires. Nothing else is kept in memory, so any
 * replica serves any request.
 */
@Injectable()
export class ApiKeyStore {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly prisma: PrismaService,
    @InjectConfig() private readonly config: ApiConfig,
  ) {}

  async verify(token: string): Promise<Principal | null> {
    const parsed = parseToken(token);
    if (!parsed) return null;
    const now = Date.now();
    let entry = this.cache.get(parsed.keyId);
    if (!entry || entry.expiresAt <= now) {
      const key = await this.prisma.apiKey.findUnique({ where: { id: parsed.keyId } });
      entry = {
        principal:
          key && !key.revokedAt
            ? { tenantId: key.tenantId, keyId: key.id, scopes: new Set(key.scopes as Scope[]) }
            : null,
        secretHash: key?.secretHash ?? null,
        expiresAt: now + this.config.API_KEY_CACHE_TTL_MS,
      };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(parsed.keyId, entry);
    }
    if (!entry.principal || !entry.secretHash || !secretMatches(parsed.secret, entry.secretHash)) return null;
    return entry.principal;
  }
}
