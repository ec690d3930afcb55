import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { parseOrThrow } from '@meridian/bootstrap';
import { identifier } from '@meridian/ledger-contract';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminTokenGuard } from './admin-token.guard';
import { newKey, newTenant } from './tenant-requests';
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
  async createTenant(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const input = parseOrThrow(newTenant, body);
    const { created, tenant } = await this.tenants.createTenant(input.id, input.name);
    void reply.status(created ? 201 : 200);
    return tenant;
  }

  @Post('tenants/:tenantId/keys')
  @HttpCode(201)
  async createKey(@Param('tenantId') tenant: string, @Body() body: unknown) {
    const tenantId = parseOrThrow(identifier, tenant, 'tenantId');
    const input = parseOrThrow(newKey, body);
    return this.tenants.createKey(tenantId, input.name, input.scopes);
  }

  @Get('tenants/:tenantId/keys')
  async listKeys(@Param('tenantId') tenant: string) {
    return { data: await this.tenants.listKeys(parseOrThrow(identifier, tenant, 'tenantId')) };
  }

  @Delete('keys/:keyId')
  async revokeKey(@Param('keyId') keyId: string) {
    return this.tenants.revokeKey(parseOrThrow(z.string().regex(/^[0-9a-f]{16}$/), keyId, 'keyId'));
  }
}
