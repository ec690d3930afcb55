import { Controller, Get, Param } from '@nestjs/common';
import { parseOrThrow } from '@meridian/bootstrap';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
import { z } from 'zod';
import { CurrentPrincipal, RequireScope } from '../tenancy/api-key.guard';
import { TenantRoute } from '../tenancy/tenant-route';
import type { Principal } from '../tenancy/api-key.store';
import { okBody } from '../v1/ledger-replies';

const batchId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'is not a settlement batch id' });

/**
 * The caller's settlements: the cut-off batches its tenant took part in, each
 * with the tenant's own net positions and the instructions it pays or
 * receives. Other tenants' positions are never shown.
 */
@Controller('v1/settlements')
@TenantRoute()
export class SettlementsController {
  constructor(@InjectServiceClient('settlement') private readonly settlement: ServiceClient) {}

  @Get()
  @RequireScope('read')
  async list(@CurrentPrincipal() principal: Principal) {
    return okBody(await this.settlement.get(`/internal/tenants/${principal.tenantId}/batches`));
  }

  @Get(':id')
  @RequireScope('read')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const batch = parseOrThrow(batchId, id, 'id');
    return okBody(await this.settlement.get(`/internal/tenants/${principal.tenantId}/batches/${batch}`));
  }
}
