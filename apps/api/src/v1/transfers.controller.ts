import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { parseOrThrow } from '@meridian/bootstrap';
import { identifier } from '@meridian/ledger-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Idempotent, idempotencyKeyOf } from '../idempotency/idempotency.interceptor';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
import { CurrentPrincipal, RequireScope } from '../tenancy/api-key.guard';
import { TenantRoute } from '../tenancy/tenant-route';
import type { Principal } from '../tenancy/api-key.store';
import { problemForResult } from './business-problem';
import { okBody } from './ledger-replies';
import { TransferResultsCompactor } from './transfer-results.compactor';
import {
  batchTransfersRequest,
  createTransferRequest,
  derivedId,
  listQuery,
  postPendingRequest,
  voidPendingRequest,
} from './requests';

interface ItemResult {
  id: string;
  result: string;
  transfer?: unknown;
}

type TransferInput = ReturnType<typeof createTransferRequest.parse> & { linked?: boolean };

/** The ledger's form of a public transfer. */
function toLedgerTransfer(input: TransferInput, id: string) {
  return {
    id,
    debitAccountId: input.debitAccountId,
    creditAccountId: input.creditAccountId,
    ...(input.creditTenantId ? { creditTenantId: input.creditTenantId } : {}),
    amount: input.amount,
    currency: input.currency,
    ...(input.code === undefined ? {} : { code: input.code }),
    ...(input.metadata ? { metadata: input.metadata } : {}),
    ...(input.pending || input.linked ? { flags: { pending: input.pending, linked: input.linked } } : {}),
    ...(input.timeoutSeconds === undefined ? {} : { timeoutSeconds: input.timeoutSeconds }),
  };
}

/**
 * Transfers of the caller's tenant. Money moves only on POSTs with an
 * Idempotency-Key; a single transfer answers 201 (created), 200 (it existed:
 * the same id and fields), or a problem naming the business reason.
 */
@Controller('v1/transfers')
@TenantRoute()
export class TransfersController {
  constructor(@InjectServiceClient('ledger') private readonly ledger: ServiceClient) {}

  @Post()
  @RequireScope('write')
  @Idempotent()
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = parseOrThrow(createTransferRequest, body);
    const id = input.id ?? derivedId('tr', principal.tenantId, idempotencyKeyOf(request));
    return this.single(principal, [toLedgerTransfer(input, id)], reply);
  }

  @Post('batch')
  @RequireScope('write')
  @Idempotent({ compactor: TransferResultsCompactor })
  @HttpCode(200)
  async batch(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { transfers } = parseOrThrow(batchTransfersRequest, body);
    const answer = okBody(
      await this.ledger.post<{ results: ItemResult[] }>(`/v1/tenants/${principal.tenantId}/transfers`, {
        transfers: transfers.map((t) => toLedgerTransfer(t, t.id)),
      }),
    );
    void reply.status(200);
    return answer;
  }

  @Post(':id/post')
  @RequireScope('write')
  @Idempotent()
  postPending(
    @CurrentPrincipal() principal: Principal,
    @Param('id') pending: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = parseOrThrow(postPendingRequest, body ?? {});
    return this.resolve('post', principal, pending, input, request, reply);
  }

  @Post(':id/void')
  @RequireScope('write')
  @Idempotent()
  voidPending(
    @CurrentPrincipal() principal: Principal,
    @Param('id') pending: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = parseOrThrow(voidPendingRequest, body ?? {});
    return this.resolve('void', principal, pending, input, request, reply);
  }

  /** Posts or voids a pending transfer with a new transfer (its id given, or derived from the key). */
  private resolve(
    action: 'post' | 'void',
    principal: Principal,
    pending: string,
    input: { id?: string; amount?: string; metadata?: Record<string, string> },
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const pendingId = parseOrThrow(identifier, pending, 'id');
    const id = input.id ?? derivedId(action, principal.tenantId, idempotencyKeyOf(request));
    const flags = action === 'post' ? { postPending: true } : { voidPending: true };
    return this.single(
      principal,
      [
        {
          id,
          pendingId,
          flags,
          ...(input.amount ? { amount: input.amount } : {}),
          ...(input.metadata ? { metadata: input.metadata } : {}),
        },
      ],
      reply,
    );
  }

  @Get(':id')
  @RequireScope('read')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const transferId = parseOrThrow(identifier, id, 'id');
    return okBody(await this.ledger.get(`/v1/tenants/${principal.tenantId}/transfers/${transferId}`));
  }

  /** One transfer through the ledger's batch endpoint, answered with its own status. */
  private async single(principal: Principal, transfers: object[], reply: FastifyReply) {
    const answer = okBody(
      await this.ledger.post<{ results: ItemResult[] }>(`/v1/tenants/${principal.tenantId}/transfers`, {
        transfers,
      }),
    );
    const [item] = answer.results as [ItemResult];
    if (item.result !== 'created' && item.result !== 'exists') throw problemForResult(item.result, item.id);
    void reply.status(item.result === 'created' ? 201 : 200).header('location', `/v1/transfers/${item.id}`);
    return item.transfer;
  }
}

/** GET /v1/accounts/:id/transfers: an account's transfers, newest first. */
@Controller('v1/accounts/:id/transfers')
@TenantRoute()
export class AccountTransfersController {
  constructor(@InjectServiceClient('ledger') private readonly ledger: ServiceClient) {}

  @Get()
  @RequireScope('read')
  async list(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: unknown) {
    const accountId = parseOrThrow(identifier, id, 'id');
    const { limit, cursor } = parseOrThrow(listQuery, query ?? {});
    const params = new URLSearchParams({ ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
    return okBody(
      await this.ledger.get(
        `/v1/tenants/${principal.tenantId}/accounts/${accountId}/transfers?${params.toString()}`,
      ),
    );
  }
}
