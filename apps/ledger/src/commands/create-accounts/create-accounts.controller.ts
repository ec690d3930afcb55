import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { Caller } from '@meridian/bootstrap';
import type { AccountResults } from '@meridian/ledger-contract';
import { accountResultJson } from '../../http/representations';
import { type LedgerCaller, ServiceTokenGuard } from '../../http/service-token.guard';
import { tenantParam } from '../../http/tenant';
import { parseAccounts } from './create-accounts.request';
import { CreateAccountsService } from './create-accounts.service';

/** POST /v1/tenants/:tenantId/accounts — a batch of 1..1000 accounts, one result per item. */
@Controller('v1/tenants/:tenantId/accounts')
@UseGuards(ServiceTokenGuard)
export class CreateAccountsController {
  constructor(private readonly service: CreateAccountsService) {}

  @Post()
  @HttpCode(200)
  async create(
    @Param('tenantId') tenant: string,
    @Body() body: unknown,
    @Caller() caller: LedgerCaller,
  ): Promise<AccountResults> {
    const tenantId = tenantParam(tenant);
    const results = await this.service.create(tenantId, parseAccounts(caller, body));
    return { results: results.map(accountResultJson) };
  }
}
