import { Controller, Get, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import type { SettlementConfig } from '@meridian/config';
import { ProblemException, tokenGuard } from '@meridian/bootstrap';
import { PrismaService } from '../infrastructure/persistence/prisma.service';
import { CutoffJobs } from '../infrastructure/queue/cutoff-jobs';

/** Internal endpoints take the api's token (the only service that calls settlement). */
const InternalTokenGuard = tokenGuard(
  (config: SettlementConfig) => ({ api: [config.INBOUND_API_TOKEN, config.INBOUND_API_TOKEN_NEXT] }),
  'service token',
);

const batchNotFound = (id: string) =>
  ProblemException.of(
    HttpStatus.NOT_FOUND,
    'batch-not-found',
    'No such settlement batch',
    `No batch "${id}".`,
  );

const money = (value: bigint) => value.toString();

/**
 * Internal API: trigger a cut-off, follow it, read batches with their
 * positions and instructions. The public api exposes settlements from here.
 */
@Controller('internal')
@UseGuards(InternalTokenGuard)
export class SettlementsController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cutoffs: CutoffJobs,
  ) {}

  @Post('cutoffs')
  @HttpCode(202)
  async trigger() {
    return { jobId: await this.cutoffs.trigger() };
  }

  @Get('cutoffs/:jobId')
  async cutoff(@Param('jobId') jobId: string) {
    const status = await this.cutoffs.status(jobId);
    if (!status)
      throw ProblemException.of(
        HttpStatus.NOT_FOUND,
        'cutoff-not-found',
        'No such cut-off',
        `No job "${jobId}".`,
      );
    return status;
  }

  @Get('batches')
  async batches() {
    const [open, batches] = await Promise.all([
      this.prisma.obligation.count({ where: { batchId: null } }),
      this.prisma.settlementBatch.findMany({ orderBy: { createdAt: 'desc' }, take: 100 }),
    ]);
    return {
      // The open window is where obligations wait for the next cut-off.
      open: { state: 'open', obligationCount: open },
      data: batches.map((b) => ({
        id: b.id,
        state: b.state,
        failureReason: b.failureReason,
        cutoffAt: b.cutoffAt.toISOString(),
        completedAt: b.completedAt?.toISOString() ?? null,
        obligationCount: b.obligationCount,
      })),
    };
  }

  @Get('batches/:id')
  async batch(@Param('id') id: string) {
    return this.view(id);
  }

  /** The batches a tenant took part in (it has a position), newest first: what the public api shows it. */
  @Get('tenants/:tenantId/batches')
  async tenantBatches(@Param('tenantId') tenantId: string) {
    const batches = await this.prisma.settlementBatch.findMany({
      where: { positions: { some: { tenantId } } },
      orderBy: { createdAt: 'desc' },
      take: 100,
    });
    return {
      data: batches.map((b) => ({
        id: b.id,
        state: b.state,
        cutoffAt: b.cutoffAt.toISOString(),
        completedAt: b.completedAt?.toISOString() ?? null,
      })),
    };
  }

  /** One batch as a tenant sees it: its own positions, and the instructions it pays or receives. */
  @Get('tenants/:tenantId/batches/:id')
  async tenantBatch(@Param('tenantId') tenantId: string, @Param('id') id: string) {
    return this.view(id, tenantId);
  }

  private async view(id: string, tenantId?: string) {
    const batch = await this.prisma.settlementBatch.findUnique({
      where: { id },
      include: {
        positions: {
          where: tenantId ? { tenantId } : {},
          orderBy: [{ currency: 'asc' }, { tenantId: 'asc' }],
        },
        instructions: {
          where: tenantId ? { OR: [{ payerTenantId: tenantId }, { payeeTenantId: tenantId }] } : {},
        },
      },
    });
    // Another tenant's batch does not exist for this one.
    if (!batch || (tenantId !== undefined && batch.positions.length === 0)) throw batchNotFound(id);
    return {
      id: batch.id,
      state: batch.state,
      failureReason: batch.failureReason,
      cutoffAt: batch.cutoffAt.toISOString(),
      completedAt: batch.completedAt?.toISOString() ?? null,
      obligationCount: batch.obligationCount,
      positions: batch.positions.map((p) => ({
        tenantId: p.tenantId,
        currency: p.currency,
        net: money(p.net),
      })),
      instructions: batch.instructions.map((i) => ({
        payerTenantId: i.payerTenantId,
        payeeTenantId: i.payeeTenantId,
        currency: i.currency,
        amount: money(i.amount),
        transferId: i.transferId,
        state: i.state,
      })),
    };
  }
}
