import type { Scope } from '../domain/api-key';

/** A tenant as stored. */
export interface TenantRecord {
  id: string;
  name: string;
  createdAt: Date;
}

/** An API key as stored: the hash of its secret, never the secret. */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name: string;
  scopes: Scope[];
  secretHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Persistence of tenants and their API keys (port); implemented with Prisma in infrastructure/persistence. */
export abstract class TenantStore {
  abstract findTenant(id: string): Promise<TenantRecord | null>;

  abstract createTenant(id: string, name: string): Promise<TenantRecord>;

  abstract findKey(id: string): Promise<ApiKeyRecord | null>;

  abstract createKey(key: Omit<ApiKeyRecord, 'createdAt' | 'revokedAt'>): Promise<ApiKeyRecord>;

  /** The tenant's keys, revoked ones included, oldest first. */
  abstract listKeys(tenantId: string): Promise<ApiKeyRecord[]>;

  abstract revokeKey(id: string, at: Date): Promise<ApiKeyRecord>;
}
