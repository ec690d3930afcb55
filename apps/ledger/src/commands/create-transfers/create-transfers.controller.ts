import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ServiceTokenGuard } from '../../http/service-token.guard';
import { itemResultJson } from '../../http/representations';
import { tenantParam } from '../../http/tenant';
import { TransferPosting } from '../../application/transfer-posting';
import { parseTransfers } from './create-transfers.request';

/**
 * POST /v1/tenants/:tenantId/transfers — a batch of 1..1000 transfers, applied
 * in order, one result per item (a single transfer is a batch of one). The
 * status is 200 whatever the results: a rejected transfer is an outcome, not
 * an HTTP error. Bad input is a 400 and nothing is written.
 */
@Controller('v1/tenants/:tenantId/transfers')
@UseGuards(ServiceTokenGuard)
export class CreateTransfersController {
  constructor(private readonly posting: TransferPosting) {}

  @Post()
  @HttpCode(200)
  async create(@Param('tenantId') tenant: string, @Body() body: unknown) {
    const tenantId = tenantParam(tenant);
    const results = await this.posting.submit(parseTransfers(tenantId, body));
    return { results: results.map(itemResultJson) };
  }
}
