import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ValidBody, ValidParam, ValidQuery } from '@meridian/bootstrap';
import {
  identifier,
  isSuccess,
  type Page,
  type TransferRepresentation,
  type TransferResults,
} from '@meridian/ledger-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Idempotent, idempotencyKeyOf } from './idempotency.interceptor';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
import { CurrentPrincipal, RequireScope } from './api-key.guard';
import { TenantRoute } from './tenant-route';
import type { Principal } from '../application/api-key.store';
import { problemForResult } from './business-problem';
import { okBody } from './ledger-replies';
import { TransferResultsCompactor } from './transfer-results.compactor';
import {
  batchTransfersRequest,
  type BatchTransfersRequest,
  createTransferRequest,
  type CreateTransferRequest,
  derivedId,
  listQuery,
  type ListQuery,
  postPendingRequest,
  type PostPendingRequest,
  voidPendingRequest,
  type VoidPendingRequest,
} from './requests';

type TransferInput = CreateTransferRequest & { linked?: boolean };

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
    @ValidBody(createTransferRequest) input: CreateTransferRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const id = input.id ?? derivedId('tr', principal.tenantId, idempotencyKeyOf(request));
    return this.single(principal, [toLedgerTransfer(input, id)], reply);
  }

  @Post('batch')
  @RequireScope('write')
  @Idempotent({ compactor: TransferResultsCompactor })
  @HttpCode(200)
  async batch(
    @CurrentPrincipal() principal: Principal,
    @ValidBody(batchTransfersRequest) { transfers }: BatchTransfersRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const answer = okBody(
      await this.ledger.post<TransferResults>(
        `/v1/tenants/${principal.tenantId}/transfers`,
        { transfers: transfers.map((t) => toLedgerTransfer(t, t.id)) },
        { affinityKey: principal.tenantId },
      ),
    );
    void reply.status(200);
    return answer;
  }

  @Post(':id/post')
  @RequireScope('write')
  @Idempotent()
  postPending(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', identifier) pendingId: string,
    @ValidBody(postPendingRequest, { absentAs: {} }) input: PostPendingRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.resolve('post', principal, pendingId, input, request, reply);
  }

  @Post(':id/void')
  @RequireScope('write')
  @Idempotent()
  voidPending(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', identifier) pendingId: string,
    @ValidBody(voidPendingRequest, { absentAs: {} }) input: VoidPendingRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.resolve('void', principal, pendingId, input, request, reply);
  }

  /** Posts or voids a pending transfer with a new transfer (its id given, or derived from the key). */
  private resolve(
    action: 'post' | 'void',
    principal: Principal,
    pendingId: string,
    input: { id?: string; amount?: string; metadata?: Record<string, string> },
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
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
  async get(@CurrentPrincipal() principal: Principal, @ValidParam('id', identifier) transferId: string) {
    return okBody(
      await this.ledger.get<TransferRepresentation>(
        `/v1/tenants/${principal.tenantId}/transfers/${transferId}`,
      ),
    );
  }

  /** One transfer through the ledger's batch endpoint, answered with its own status. */
  private async single(principal: Principal, transfers: object[], reply: FastifyReply) {
    const answer = okBody(
      await this.ledger.post<TransferResults>(
        `/v1/tenants/${principal.tenantId}/transfers`,
        { transfers },
        { affinityKey: principal.tenantId },
      ),
    );
    const item = answer.results[0]!;
    if (!isSuccess(item.result)) throw problemForResult(item.result, item.id);
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
  async list(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('id', identifier) accountId: string,
    @ValidQuery(listQuery) { limit, cursor }: ListQuery,
  ) {
    const params = new URLSearchParams({ ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
    return okBody(
      await this.ledger.get<Page<TransferRepresentation>>(
        `/v1/tenants/${principal.tenantId}/accounts/${accountId}/transfers?${params.toString()}`,
      ),
    );
  }
}
