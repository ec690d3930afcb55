import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CallerBody } from '@meridian/bootstrap';
import { TransferPosting } from '../application/transfer-posting';
import { itemResultJson } from './representations';
import { ServiceTokenGuard } from './service-token.guard';
import { IdParam, TenantParam } from './path-params';
import {
  postPendingRequest,
  type PostPendingRequest,
  voidPendingRequest,
  type VoidPendingRequest,
} from './resolve-pending-transfer.request';

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
    @TenantParam() tenantId: string,
    @IdParam('pendingId') pendingId: string,
    @CallerBody(postPendingRequest) request: PostPendingRequest,
  ) {
    return this.resolve('post_pending', tenantId, pendingId, { ...request, amount: request.amount ?? null });
  }

  @Post('void')
  @HttpCode(200)
  void(
    @TenantParam() tenantId: string,
    @IdParam('pendingId') pendingId: string,
    @CallerBody(voidPendingRequest) request: VoidPendingRequest,
  ) {
    return this.resolve('void_pending', tenantId, pendingId, { ...request, amount: null });
  }

  private async resolve(
    kind: 'post_pending' | 'void_pending',
    tenantId: string,
    pendingId: string,
    request: { id: string; amount: bigint | null; code?: number; metadata?: Record<string, string> },
  ) {
    const [result] = await this.posting.submit([
      {
        kind,
        tenantId,
        id: request.id,
        pendingId,
        amount: request.amount,
        code: request.code ?? null,
        metadata: request.metadata ?? {},
        linked: false,
      },
    ]);
    return itemResultJson(result!, 0);
  }
}
