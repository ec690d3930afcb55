import { Controller, Get } from '@nestjs/common';
import { ValidParam } from '@meridian/bootstrap';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
import { CurrentPrincipal, RequireScope } from './api-key.guard';
import { TenantRoute } from './tenant-route';
import type { Principal } from '../application/api-key.store';
import { okBody } from './ledger-replies';
import { settlementBatchId } from './requests';

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
  async get(@CurrentPrincipal() principal: Principal, @ValidParam('id', settlementBatchId) batch: string) {
    return okBody(await this.settlement.get(`/internal/tenants/${principal.tenantId}/batches/${batch}`));
  }
}
