import { Injectable } from '@nestjs/common';
import { type ApiKeyRecord, TenantStore, type TenantRecord } from '../../application/tenant-store.port';
import type { Scope } from '../../domain/api-key';
import type { ApiKey } from '../../generated/prisma/client';
import { PrismaService } from './prisma.service';

const toKey = (row: ApiKey): ApiKeyRecord => ({
  id: row.id,
  tenantId: row.tenantId,
  name: row.name,
  scopes: row.scopes as Scope[],
  secretHash: row.secretHash,
  createdAt: row.createdAt,
  revokedAt: row.revokedAt,
});

/** Tenants and API keys in the api's PostgreSQL database. */
@Injectable()
export class PrismaTenantStore extends TenantStore {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  findTenant(id: string): Promise<TenantRecord | null> {
    return this.prisma.tenant.findUnique({ where: { id } });
  }

  createTenant(id: string, name: string): Promise<TenantRecord> {
    return this.prisma.tenant.create({ data: { id, name } });
  }

  async findKey(id: string): Promise<ApiKeyRecord | null> {
    const row = await this.prisma.apiKey.findUnique({ where: { id } });
    return row && toKey(row);
  }

  async createKey(key: Omit<ApiKeyRecord, 'createdAt' | 'revokedAt'>): Promise<ApiKeyRecord> {
    return toKey(await this.prisma.apiKey.create({ data: key }));
  }

  async listKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.prisma.apiKey.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } });
    return rows.map(toKey);
  }

  async revokeKey(id: string, at: Date): Promise<ApiKeyRecord> {
    return toKey(await this.prisma.apiKey.update({ where: { id }, data: { revokedAt: at } }));
  }
}
