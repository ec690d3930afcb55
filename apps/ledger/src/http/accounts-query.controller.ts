import { Controller, Get, HttpStatus, UseGuards } from '@nestjs/common';
import { Caller, ProblemException, ValidQuery } from '@meridian/bootstrap';
import { type AccountRepresentation, type Page } from '@meridian/ledger-contract';
import { LedgerQueries, type PageRequest } from '../application/ledger-queries.port';
import { rulesOf } from './caller-rules';
import { accountJson, encodeCursor } from './representations';
import { type LedgerCaller, ServiceTokenGuard } from './service-token.guard';
import { IdParam, TenantParam } from './path-params';
import { pageQuery } from './pagination';

export const accountNotFound = (id: string) =>
  ProblemException.of(
    HttpStatus.NOT_FOUND,
    'account-not-found',
    'No such account',
    `The tenant has no account "${id}".`,
  );

/**
 * GET /v1/tenants/:tenantId/accounts/:accountId — one account with its balances.
 * GET /v1/tenants/:tenantId/accounts?limit=&cursor= — the tenant's accounts, oldest first;
 * one page is one consistent snapshot of the balances it shows.
 */
@Controller('v1/tenants/:tenantId/accounts')
@UseGuards(ServiceTokenGuard)
export class AccountsQueryController {
  constructor(private readonly queries: LedgerQueries) {}

  @Get(':accountId')
  async get(@TenantParam() tenantId: string, @IdParam('accountId') id: string) {
    const found = await this.queries.account(tenantId, id);
    if (!found) throw accountNotFound(id);
    return accountJson(found);
  }

  @Get()
  async list(
    @TenantParam() tenantId: string,
    @ValidQuery(pageQuery) page: PageRequest,
    @Caller() caller: LedgerCaller,
  ): Promise<Page<AccountRepresentation>> {
    const accounts = await this.queries.accounts(tenantId, page, {
      // The platform's accounts inside a tenant are not the tenant's to see.
      platformAccounts: rulesOf(caller).seesPlatformAccounts,
    });
    return {
      data: accounts.items.map(accountJson),
      nextCursor: accounts.next === null ? null : encodeCursor(accounts.next),
    };
  }
}
