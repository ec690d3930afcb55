import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CallerBody } from '@meridian/bootstrap';
import type { TransferResults } from '@meridian/ledger-contract';
import type { LedgerConfig } from '../config';
import { InjectConfig } from '@meridian/config/nest';
import { TransferPosting } from '../application/transfer-posting';
import { itemResultJson } from './representations';
import { ServiceTokenGuard } from './service-token.guard';
import { TenantParam } from './path-params';
import {
  createTransfersRequest,
  type CreateTransfersRequest,
  toCommands,
  type TransferLimits,
} from './create-transfers.request';

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
  async create(
    @TenantParam() tenantId: string,
    @CallerBody(createTransfersRequest) request: CreateTransfersRequest,
  ): Promise<TransferResults> {
    const results = await this.posting.submit(toCommands(tenantId, request, this.limits));
    return { results: results.map(itemResultJson) };
  }
}
