import { Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { CallerBody, ProblemException, ValidQuery } from '@meridian/bootstrap';
import type { Page, TransferLookup, TransferRepresentation } from '@meridian/ledger-contract';
import { LedgerQueries, type PageRequest } from '../application/ledger-queries.port';
import { encodeCursor, transferJson } from './representations';
import { ServiceTokenGuard } from './service-token.guard';
import { IdParam, TenantParam } from './path-params';
import { accountNotFound } from './accounts-query.controller';
import { lookupTransfersRequest, type LookupTransfersRequest } from './lookup-transfers.request';
import { pageQuery } from './pagination';

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
@Controller('v1/tenants/:tenantId')
@UseGuards(ServiceTokenGuard)
export class TransfersQueryController {
  constructor(private readonly queries: LedgerQueries) {}

  @Get('transfers/:transferId')
  async get(@TenantParam() tenantId: string, @IdParam('transferId') id: string) {
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
  async lookup(
    @TenantParam() tenantId: string,
    @CallerBody(lookupTransfersRequest) { ids }: LookupTransfersRequest,
  ): Promise<TransferLookup> {
    const found = await this.queries.transfers(tenantId, ids);
    const byId = new Map(found.map((t) => [t.id, t]));
    return { data: ids.map((id) => (byId.has(id) ? transferJson(byId.get(id)!) : null)) };
  }

  @Get('accounts/:accountId/transfers')
  async listByAccount(
    @TenantParam() tenantId: string,
    @IdParam('accountId') accountId: string,
    @ValidQuery(pageQuery) page: PageRequest,
  ): Promise<Page<TransferRepresentation>> {
    if (!(await this.queries.accountExists(tenantId, accountId))) throw accountNotFound(accountId);
    const transfers = await this.queries.accountTransfers(tenantId, accountId, page);
    return {
      data: transfers.items.map((transfer) => transferJson(transfer)),
      nextCursor: transfers.next === null ? null : encodeCursor(transfers.next),
    };
  }
}
