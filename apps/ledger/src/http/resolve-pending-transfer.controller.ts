import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { Caller } from '@meridian/bootstrap';
import { z } from 'zod';
import { TransferPosting } from '../application/transfer-posting';
import { perCaller } from './caller-rules';
import { itemResultJson } from './representations';
import { type LedgerCaller, ServiceTokenGuard } from './service-token.guard';
import { idParam, tenantParam } from './tenant';
import { amount, metadata, parseOrThrow } from './validation';

const resolveRequests = perCaller((rules) => ({
  post: z.strictObject({
    id: rules.ids,
    amount: amount.optional(),
    code: rules.code.optional(),
    metadata: metadata.optional(),
  }),
  void: z.strictObject({ id: rules.ids, code: rules.code.optional(), metadata: metadata.optional() }),
}));

/**
 * POST /v1/tenants/:tenantId/transfers/:pendingId/post and /void — resolve a
 * pending transfer with a new transfer of the client's id (idempotent like any
 * transfer). A post may take less than the pending amount; the rest is
 * released. Same semantics as a batch item with flags.postPending/voidPending.
 */
@Controller('v1/tenants/:tenantId/transfers/:pendingId')
@UseGuards(ServiceTokenGuard)
export class ResolvePendingTransferController {
  constructor(private readonly posting: TransferPosting) {}

  @Post('post')
  @HttpCode(200)
  post(
    @Param('tenantId') tenant: string,
    @Param('pendingId') pending: string,
    @Body() body: unknown,
    @Caller() caller: LedgerCaller,
  ) {
    const request = parseOrThrow(resolveRequests[caller].post, body);
    return this.resolve('post_pending', caller, tenant, pending, {
      ...request,
      amount: request.amount ?? null,
    });
  }

  @Post('void')
  @HttpCode(200)
  void(
    @Param('tenantId') tenant: string,
    @Param('pendingId') pending: string,
    @Body() body: unknown,
    @Caller() caller: LedgerCaller,
  ) {
    return this.resolve('void_pending', caller, tenant, pending, {
      ...parseOrThrow(resolveRequests[caller].void, body),
      amount: null,
    });
  }

  private async resolve(
    kind: 'post_pending' | 'void_pending',
    caller: LedgerCaller,
    tenant: string,
    pending: string,
    request: { id: string; amount: bigint | null; code?: number; metadata?: Record<string, string> },
  ) {
    const [result] = await this.posting.submit([
      {
        kind,
        tenantId: tenantParam(tenant),
        id: request.id,
        pendingId: idParam(caller, 'pendingId', pending),
        amount: request.amount,
        code: request.code ?? null,
        metadata: request.metadata ?? {},
        linked: false,
      },
    ]);
    return itemResultJson(result!, 0);
  }
}
