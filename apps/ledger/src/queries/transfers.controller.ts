import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { Caller, ProblemException } from '@meridian/bootstrap';
import type { Page, TransferLookup, TransferRepresentation } from '@meridian/ledger-contract';
import type { PendingTransferState, Transfer } from '../domain/transfer';
import { encodeCursor, transferJson } from '../http/representations';
import { type LedgerCaller, ServiceTokenGuard } from '../http/service-token.guard';
import { perCaller } from '../http/caller-rules';
import { idParam, tenantParam } from '../http/tenant';
import { expected, parseOrThrow } from '../http/validation';
import { PrismaService } from '../infrastructure/persistence/prisma.service';
import { toTransfer, type TransferRow } from '../infrastructure/persistence/rows';
import { accountNotFound } from './accounts.controller';
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
  constructor(private readonly prisma: PrismaService) {}

  @Get('transfers/:transferId')
  async get(
    @Param('tenantId') tenant: string,
    @Param('transferId') transfer: string,
    @Caller() caller: LedgerCaller,
  ) {
    const tenantId = tenantParam(tenant);
    const id = idParam(caller, 'transferId', transfer);
    const [found, pending] = await Promise.all([
      this.prisma.transfer.findUnique({ where: { tenantId_id: { tenantId, id } } }),
      this.prisma.pendingTransfer.findUnique({
        where: { tenantId_transferId: { tenantId, transferId: id } },
      }),
    ]);
    if (!found) {
      throw ProblemException.of(
        HttpStatus.NOT_FOUND,
        'transfer-not-found',
        'No such transfer',
        `The tenant has no transfer "${id}".`,
      );
    }
    return transferJson(found as Transfer, pending as PendingTransferState | null);
  }

  @Post('transfers/lookup')
  @HttpCode(200)
  async lookup(
    @Param('tenantId') tenant: string,
    @Body() body: unknown,
    @Caller() caller: LedgerCaller,
  ): Promise<TransferLookup> {
    const tenantId = tenantParam(tenant);
    const { ids } = parseOrThrow(lookupRequest[caller], body);
    const found = await this.prisma.transfer.findMany({ where: { tenantId, id: { in: ids } } });
    const byId = new Map(found.map((t) => [t.id, t as Transfer]));
    return { data: ids.map((id) => (byId.has(id) ? transferJson(byId.get(id)!) : null)) };
  }

  @Get('accounts/:accountId/transfers')
  async listByAccount(
    @Param('tenantId') tenant: string,
    @Param('accountId') account: string,
    @Query() query: unknown,
    @Caller() caller: LedgerCaller,
  ): Promise<Page<TransferRepresentation>> {
    const tenantId = tenantParam(tenant);
    const accountId = idParam(caller, 'accountId', account);
    const { limit, after } = pageOf(query);
    const exists = await this.prisma.account.count({ where: { tenantId, id: accountId } });
    if (exists === 0) throw accountNotFound(accountId);
    // Newest first across both sides of the account: each side reads its own
    // ordered index, and the two short lists are merged (an OR would not use them).
    const before = after ?? 2n ** 63n - 1n;
    const rows = await this.prisma.$queryRaw<(TransferRow & { cursor: bigint })[]>`
      SELECT * FROM (
        (SELECT *, seq AS cursor FROM transfers
          WHERE tenant_id = ${tenantId} AND debit_account_id = ${accountId} AND seq < ${before}
          ORDER BY seq DESC LIMIT ${limit + 1})
        UNION ALL
        (SELECT *, seq AS cursor FROM transfers
          WHERE credit_tenant_id = ${tenantId} AND credit_account_id = ${accountId} AND seq < ${before}
          ORDER BY seq DESC LIMIT ${limit + 1})
      ) AS both_sides
      ORDER BY cursor DESC
      LIMIT ${limit + 1}`;
    const page = rows.slice(0, limit);
    return {
      data: page.map((row) => transferJson(toTransfer(row))),
      nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.cursor) : null,
    };
  }
}
