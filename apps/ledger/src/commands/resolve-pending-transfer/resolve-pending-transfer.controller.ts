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
  async post(@Param('tenantId') tenant: string, @Param('pendingId') pending: string, @Body() body: unknown) {
    const tenantId = tenantParam(tenant);
    const pendingId = idParam('pendingId', pending);
    const request = parseOrThrow(postRequest, body);
    const [result] = await this.posting.submit([
      {
        kind: 'post_pending',
        tenantId,
        id: request.id,
        pendingId,
        amount: request.amount ?? null,
        code: request.code ?? null,
        metadata: request.metadata ?? {},
        linked: false,
      },
    ]);
    return itemResultJson(result!, 0);
  }

  @Post('void')
  @HttpCode(200)
  async void(@Param('tenantId') tenant: string, @Param('pendingId') pending: string, @Body() body: unknown) {
    const tenantId = tenantParam(tenant);
    const pendingId = idParam('pendingId', pending);
    const request = parseOrThrow(voidRequest, body);
    const [result] = await this.posting.submit([
      {
        kind: 'void_pending',
        tenantId,
        id: request.id,
        pendingId,
        amount: null,
        code: request.code ?? null,
        metadata: request.metadata ?? {},
        linked: false,
      },
    ]);
    return itemResultJson(result!, 0);
  }
}
