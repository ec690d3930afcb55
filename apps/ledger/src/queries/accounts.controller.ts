import { Controller, Get, HttpStatus, Param, Query, UseGuards } from '@nestjs/common';
import { Caller, ProblemException } from '@meridian/bootstrap';
import { type AccountRepresentation, type Page, PLATFORM_ID_PREFIX } from '@meridian/ledger-contract';
import { CALLER_RULES } from '../http/caller-rules';
import { accountJson, encodeCursor } from '../http/representations';
import { type LedgerCaller, ServiceTokenGuard } from '../http/service-token.guard';
import { idParam, tenantParam } from '../http/tenant';
import { PrismaService } from '../infrastructure/persistence/prisma.service';
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
  constructor(private readonly prisma: PrismaService) {}

  @Get(':accountId')
  async get(
    @Param('tenantId') tenant: string,
    @Param('accountId') account: string,
    @Caller() caller: LedgerCaller,
  ) {
    const tenantId = tenantParam(tenant);
    const id = idParam(caller, 'accountId', account);
    const found = await this.prisma.account.findUnique({ where: { tenantId_id: { tenantId, id } } });
    if (!found) throw accountNotFound(id);
    return accountJson(found);
  }

  @Get()
  async list(
    @Param('tenantId') tenant: string,
    @Query() query: unknown,
    @Caller() caller: LedgerCaller,
  ): Promise<Page<AccountRepresentation>> {
    const tenantId = tenantParam(tenant);
    const { limit, after } = pageOf(query);
    const rows = await this.prisma.account.findMany({
      where: {
        tenantId,
        ...(after === null ? {} : { seq: { gt: after } }),
        // The platform's accounts inside a tenant are not the tenant's to see.
        // (startsWith becomes LIKE, where "_" is a wildcard: hence the escape.)
        ...(CALLER_RULES[caller].seesPlatformAccounts
          ? {}
          : { NOT: { id: { startsWith: `\\${PLATFORM_ID_PREFIX}` } } }),
      },
      orderBy: { seq: 'asc' },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      data: page.map(accountJson),
      nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.seq) : null,
    };
  }
}
