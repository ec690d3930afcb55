import { Controller, Get, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import type { SettlementConfig } from '../config';
import { ProblemException, tokenGuard } from '@meridian/bootstrap';
import { tokensByCaller } from '@meridian/config';
import { CALLERS } from '../callers';
import { SettlementViews } from './settlement-views';
import { CutoffJobs } from '../infrastructure/queue/cutoff-jobs';

/** Internal endpoints take the token of a caller the registry declares (the api). */
const InternalTokenGuard = tokenGuard(
  (config: SettlementConfig) => tokensByCaller(config, CALLERS),
  'service token',
);

const batchNotFound = (id: string) =>
  ProblemException.of(
    HttpStatus.NOT_FOUND,
    'batch-not-found',
    'No such settlement batch',
    `No batch "${id}".`,
  );

/**
 * Internal API: trigger a cut-off, follow it, read batches with their
 * positions and instructions (whole, under /internal/batches), and a
 * tenant's share of them (under /internal/tenants/:tenantId, what the public
 * api shows that tenant: nothing about other pairs).
 */
@Controller('internal')
@UseGuards(InternalTokenGuard)
export class SettlementsController {
  constructor(
    private readonly views: SettlementViews,
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
  batches() {
    return this.views.batches();
  }

  @Get('batches/:id')
  async batch(@Param('id') id: string) {
    return (await this.views.batch(id)) ?? throwNotFound(id);
  }

  /** The batches a tenant took part in (it has a position), newest first: what the public api shows it. */
  @Get('tenants/:tenantId/batches')
  tenantBatches(@Param('tenantId') tenantId: string) {
    return this.views.tenantBatches(tenantId);
  }

  /** One batch as a tenant sees it: its own positions, and the instructions it pays or receives. */
  @Get('tenants/:tenantId/batches/:id')
  async tenantBatch(@Param('tenantId') tenantId: string, @Param('id') id: string) {
    // Another tenant's batch does not exist for this one.
    return (await this.views.tenantBatch(tenantId, id)) ?? throwNotFound(id);
  }
}

function throwNotFound(id: string): never {
  throw batchNotFound(id);
}
