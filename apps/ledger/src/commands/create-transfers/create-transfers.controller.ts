import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { Caller } from '@meridian/bootstrap';
import type { LedgerConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { TransferPosting } from '../../application/transfer-posting';
import { itemResultJson } from '../../http/representations';
import { type LedgerCaller, ServiceTokenGuard } from '../../http/service-token.guard';
import { tenantParam } from '../../http/tenant';
import { parseTransfers, type TransferLimits } from './create-transfers.request';

/**
 * POST /v1/tenants/:tenantId/transfers — a batch of 1..1000 transfers, applied
 * in order, one result per item (a single transfer is a batch of one). The
 * status is 200 whatever the results: a rejected transfer is an outcome, not
 * an HTTP error. Bad input is a 400 and nothing is written.
 */
@Controller('v1/tenants/:tenantId/transfers')
@UseGuards(ServiceTokenGuard)
export class CreateTransfersController {
  private readonly limits: TransferLimits;

  constructor(
    private readonly posting: TransferPosting,
    @InjectConfig() config: LedgerConfig,
  ) {
    this.limits = { maxExternalPendingSeconds: config.LEDGER_MAX_EXTERNAL_PENDING_SECONDS };
  }

  @Post()
  @HttpCode(200)
  async create(@Param('tenantId') tenant: string, @Body() body: unknown, @Caller() caller: LedgerCaller) {
    const tenantId = tenantParam(tenant);
    const results = await this.posting.submit(parseTransfers(tenantId, body, caller, this.limits));
    return { results: results.map(itemResultJson) };
  }
}
