import { Controller, Get, HttpStatus, Param, Query, UseGuards } from '@nestjs/common';
import { Caller, ProblemException } from '@meridian/bootstrap';
import { LedgerQueries } from '../application/ledger-queries.port';
import { CALLER_RULES } from './caller-rules';
import { accountJson, encodeCursor } from './representations';
import { type LedgerCaller, ServiceTokenGuard } from './service-token.guard';
import { idParam, tenantParam } from './tenant';
import { pageOf } from './pagination';

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
  async get(
    @Param('tenantId') tenant: string,
    @Param('accountId') account: string,
    @Caller() caller: LedgerCaller,
  ) {
    const tenantId = tenantParam(tenant);
    const id = idParam(caller, 'accountId', account);
    const found = await this.queries.account(tenantId, id);
    if (!found) throw accountNotFound(id);
    return accountJson(found);
  }

  @Get()
  async list(@Param('tenantId') tenant: string, @Query() query: unknown, @Caller() caller: LedgerCaller) {
    const tenantId = tenantParam(tenant);
    const page = await this.queries.accounts(tenantId, pageOf(query), {
      // The platform's accounts inside a tenant are not the tenant's to see.
      platformAccounts: CALLER_RULES[caller].seesPlatformAccounts,
    });
    return {
      data: page.items.map(accountJson),
      nextCursor: page.next === null ? null : encodeCursor(page.next),
    };
  }
}
