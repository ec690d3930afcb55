import { Body, Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { TransferPosting } from '../../application/transfer-posting';
import { itemResultJson } from '../../http/representations';
import { ServiceTokenGuard } from '../../http/service-token.guard';
import { idParam, tenantParam } from '../../http/tenant';
import { amount, code, identifier, metadata, parseOrThrow } from '../../http/validation';

const postRequest = z.strictObject({
  id: identifier,
  amount: amount.optional(),
  code: code.optional(),
  metadata: metadata.optional(),
});
const voidRequest = z.strictObject({ id: identifier, code: code.optional(), metadata: metadata.optional() });

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
  post(@Param('tenantId') tenant: string, @Param('pendingId') pending: string, @Body() body: unknown) {
    const request = parseOrThrow(postRequest, body);
    return this.resolve('post_pending', tenant, pending, { ...request, amount: request.amount ?? null });
  }

  @Post('void')
  @HttpCode(200)
  void(@Param('tenantId') tenant: string, @Param('pendingId') pending: string, @Body() body: unknown) {
    return this.resolve('void_pending', tenant, pending, {
      ...parseOrThrow(voidRequest, body),
      amount: null,
    });
  }

  private async resolve(
    kind: 'post_pending' | 'void_pending',
    tenant: string,
    pending: string,
    request: { id: string; amount: bigint | null; code?: number; metadata?: Record<string, string> },
  ) {
    const [result] = await this.posting.submit([
      {
        kind,
        tenantId: tenantParam(tenant),
        id: request.id,
        pendingId: idParam('pendingId', pending),
        amount: request.amount,
        code: request.code ?? null,
        metadata: request.metadata ?? {},
        linked: false,
      },
    ]);
    return itemResultJson(result!, 0);
  }
}
