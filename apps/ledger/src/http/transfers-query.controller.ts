import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { Caller, ProblemException } from '@meridian/bootstrap';
import { LedgerQueries } from '../application/ledger-queries.port';
import { encodeCursor, transferJson } from './representations';
import { type LedgerCaller, ServiceTokenGuard } from './service-token.guard';
import { perCaller } from './caller-rules';
import { idParam, tenantParam } from './tenant';
import { expected, parseOrThrow } from './validation';
import { accountNotFound } from './accounts-query.controller';
import { pageOf } from './pagination';

/**
 * GET /v1/tenants/:tenantId/transfers/:transferId — one transfer (with the
 * state of a pending one).
 * POST /v1/tenants/:tenantId/transfers/lookup — up to 1000 transfers by id, in
 * the order asked, null for an id the tenant does not have (TigerBeetle's
 * lookup_transfers); a read, so safe to repeat.
 * GET /v1/tenants/:tenantId/accounts/:accountId/transfers?limit=&cursor= — the
 * transfers that debit or credit an account, newest first; incoming transfers
 * from other tenants included, since they credit this tenant's account.
 */
const lookupRequest = perCaller((rules) =>
  z.strictObject({
    ids: z
      .array(rules.ids, { error: expected('an array of transfer ids') })
      .min(1, { error: 'must hold at least one id' })
      .max(1_000, { error: 'must hold at most 1000 ids' }),
  }),
);

@Controller('v1/tenants/:tenantId')
@UseGuards(ServiceTokenGuard)
export class TransfersQueryController {
  constructor(private readonly queries: LedgerQueries) {}

  @Get('transfers/:transferId')
  async get(
    @Param('tenantId') tenant: string,
    @Param('transferId') transfer: string,
    @Caller() caller: LedgerCaller,
  ) {
    const tenantId = tenantParam(tenant);
    const id = idParam(caller, 'transferId', transfer);
    const found = await this.queries.transfer(tenantId, id);
    if (!found) {
      throw ProblemException.of(
        HttpStatus.NOT_FOUND,
        'transfer-not-found',
        'No such transfer',
        `The tenant has no transfer "${id}".`,
      );
    }
    return transferJson(found.transfer, found.pending);
  }

  @Post('transfers/lookup')
  @HttpCode(200)
  async lookup(@Param('tenantId') tenant: string, @Body() body: unknown, @Caller() caller: LedgerCaller) {
    const tenantId = tenantParam(tenant);
    const { ids } = parseOrThrow(lookupRequest[caller], body);
    const found = await this.queries.transfers(tenantId, ids);
    const byId = new Map(found.map((t) => [t.id, t]));
    return { data: ids.map((id) => (byId.has(id) ? transferJson(byId.get(id)!) : null)) };
  }

  @Get('accounts/:accountId/transfers')
  async listByAccount(
    @Param('tenantId') tenant: string,
    @Param('accountId') account: string,
    @Query() query: unknown,
    @Caller() caller: LedgerCaller,
  ) {
    const tenantId = tenantParam(tenant);
    const accountId = idParam(caller, 'accountId', account);
    const page = pageOf(query);
    if (!(await this.queries.accountExists(tenantId, accountId))) throw accountNotFound(accountId);
    const transfers = await this.queries.accountTransfers(tenantId, accountId, page);
    return {
      data: transfers.items.map((transfer) => transferJson(transfer)),
      nextCursor: transfers.next === null ? null : encodeCursor(transfers.next),
    };
  }
}
