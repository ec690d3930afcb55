import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CallerBody } from '@meridian/bootstrap';
import type { AccountResults } from '@meridian/ledger-contract';
import { accountResultJson } from './representations';
import { ServiceTokenGuard } from './service-token.guard';
import { TenantParam } from './path-params';
import { createAccountsRequest, type CreateAccountsRequest, toNewAccounts } from './create-accounts.request';
import { CreateAccountsService } from '../application/create-accounts.service';

/** POST /v1/tenants/:tenantId/accounts — a batch of 1..1000 accounts, one result per item. */
@Controller('v1/tenants/:tenantId/accounts')
@UseGuards(ServiceTokenGuard)
export class CreateAccountsController {
  constructor(private readonly service: CreateAccountsService) {}

  @Post()
  @HttpCode(200)
  async create(
    @TenantParam() tenantId: string,
    @CallerBody(createAccountsRequest) request: CreateAccountsRequest,
  ): Promise<AccountResults> {
    const results = await this.service.create(tenantId, toNewAccounts(request));
    return { results: results.map(accountResultJson) };
  }
}
