import { Injectable } from '@nestjs/common';
import { context, propagation } from '@opentelemetry/api';
import type { LedgerConfig } from '../config';
import { InjectConfig } from '@meridian/config/nest';
import { GroupCommit } from '@meridian/group-commit';
import type { Command, ItemResult } from '../domain/posting';
import { PostingMetrics } from './posting-metrics';
import { PostingService, type Submission } from './posting.service';

/**
 * The entry point for every transfer command: requests submit here and are
 * coalesced into posting batches (group commit). When nothing is posting, a
 * submission goes at once; while LEDGER_BATCH_CONCURRENCY batches run,
 * arrivals queue and merge. A batch that fails as a whole (the database
 * refused something retries cannot fix) is re-run submission by submission,
 * so one client's bad request never fails another's.
 */
@Injectable()
export class TransferPosting {
  private readonly batcher: GroupCommit<Submission, ItemResult[]>;

  constructor(@InjectConfig() config: LedgerConfig, posting: PostingService, metrics: PostingMetrics) {
    this.batcher = new GroupCommit({
      commit: (submissions: Submission[]) => posting.post(submissions),
      maxWeight: config.LEDGER_BATCH_MAX_ITEMS,
      weightOf: (submission) => submission.commands.length,
      windowMs: config.LEDGER_BATCH_WINDOW_MS,
      maxInFlight: config.LEDGER_BATCH_CONCURRENCY,
      onGroupFailure: 'isolate',
      onGroup: ({ weight, queuedMs }) => {
        metrics.batchItems.observe(weight);
        metrics.stages.observe({ stage: 'queue' }, queuedMs / 1_000);
      },
      onIsolation: (submissions) => metrics.isolatedSubmissions.inc(submissions),
    });
  }

  submit(commands: Command[]): Promise<ItemResult[]> {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    return this.batcher.submit({ commands, traceparent: carrier.traceparent ?? null });
  }
}
