import { HttpStatus, Injectable } from '@nestjs/common';
import { ProblemException } from '@meridian/bootstrap';
import { issueKey, type Scope } from '../domain/api-key';
import { type ApiKeyRecord, TenantStore } from './tenant-store.port';

export interface KeyView {
  id: string;
  tenantId: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

const view = (key: ApiKeyRecord): KeyView => ({
  id: key.id,
  tenantId: key.tenantId,
  name: key.name,
  scopes: key.scopes,
  createdAt: key.createdAt.toISOString(),
  revokedAt: key.revokedAt?.toISOString() ?? null,
});

/** Tenants and their API keys: used by the admin endpoints and the `keys` command alike. */
@Injectable()
export class TenantsService {
  constructor(private readonly store: TenantStore) {}

  async createTenant(id: string, name: string) {
    const existing = await this.store.findTenant(id);
    if (existing) {
      if (existing.name !== name) {
        throw ProblemException.of(
          HttpStatus.CONFLICT,
          'tenant-exists',
          'The tenant exists',
          `Tenant "${id}" exists with another name.`,
        );
      }
      return {
        created: false,
        tenant: { id: existing.id, name: existing.name, createdAt: existing.createdAt.toISOString() },
      };
    }
    const tenant = await this.store.createTenant(id, name);
    return {
      created: true,
      tenant: { id: tenant.id, name: tenant.name, createdAt: tenant.createdAt.toISOString() },
    };
  }

  /** Issues a key; the returned token is the only time the secret exists outside the caller. */
  async createKey(tenantId: string, name: string, scopes: Scope[]): Promise<KeyView & { token: string }> {
    const tenant = await this.store.findTenant(tenantId);
    if (!tenant) throw tenantNotFound(tenantId);
    const issued = issueKey();
    const key = await this.store.createKey({
      id: issued.keyId,
      tenantId,
      name,
      scopes,
      secretHash: issued.secretHash,
    });
    return { ...view(key), token: issued.token };
  }

  async listKeys(tenantId: string): Promise<KeyView[]> {
    return (await this.store.listKeys(tenantId)).map(view);
  }

  /** Revokes a key (of the given tenant, when one is given); idempotent. */
  async revokeKey(keyId: string, tenantId?: string): Promise<KeyView> {
    const key = await this.store.findKey(keyId);
    if (!key || (tenantId !== undefined && key.tenantId !== tenantId)) {
      throw ProblemException.of(
        HttpStatus.NOT_FOUND,
        'api-key-not-found',
        'No such API key',
        `No key "${keyId}".`,
      );
    }
    if (key.revokedAt) return view(key);
    return view(await this.store.revokeKey(keyId, new Date()));
  }
}

export const tenantNotFound = (id: string) =>
  ProblemException.of(HttpStatus.NOT_FOUND, 'tenant-not-found', 'No such tenant', `No tenant "${id}".`);
