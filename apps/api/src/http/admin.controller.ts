import { Controller, Delete, Get, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { AdminTokenGuard, ValidBody, ValidParam } from '@meridian/bootstrap';
import { identifier } from '@meridian/ledger-contract';
import type { FastifyReply } from 'fastify';
import { keyId, type NewKey, newKey, type NewTenant, newTenant } from './tenant-requests';
import { TenantsService } from '../application/tenants.service';

/**
 * The operator's API (ADMIN_TOKEN): tenants and their API keys. The key's
 * secret appears once, in the answer to its creation. The same operations
 * exist as a command: `node apps/api/dist/cli.js`.
 */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(private readonly tenants: TenantsService) {}

  @Post('tenants')
  async createTenant(
    @ValidBody(newTenant) input: NewTenant,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { created, tenant } = await this.tenants.createTenant(input.id, input.name);
    void reply.status(created ? 201 : 200);
    return tenant;
  }

  @Post('tenants/:tenantId/keys')
  @HttpCode(201)
  async createKey(@ValidParam('tenantId', identifier) tenantId: string, @ValidBody(newKey) input: NewKey) {
    return this.tenants.createKey(tenantId, input.name, input.scopes);
  }

  @Get('tenants/:tenantId/keys')
  async listKeys(@ValidParam('tenantId', identifier) tenantId: string) {
    return { data: await this.tenants.listKeys(tenantId) };
  }

  @Delete('keys/:keyId')
  async revokeKey(@ValidParam('keyId', keyId) id: string) {
    return this.tenants.revokeKey(id);
  }
}
