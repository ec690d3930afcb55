import { Injectable } from '@nestjs/common';
import { ServiceMetrics } from '@meridian/telemetry';
import { Counter, Histogram } from 'prom-client';

/** The stages of one posting attempt, as observed by `ledger_posting_stage_seconds`. */
export type PostingStage = 'queue' | 'begin' | 'load' | 'apply' | 'write' | 'commit';

/** The posting path's metrics, defined once for the batcher and the posting service. */
@Injectable()
export class PostingMetrics {
  readonly batchItems: Histogram;
  readonly isolatedSubmissions: Counter;
  /**
   * Where a batch's time goes (docs/adr/0006-ledger-posting.md, "Where the
   * time goes"): queue (the oldest submission's wait to leave in a batch),
   * begin (a pooled connection), load (BEGIN, the account locks and the id
   * lookup: one round trip), apply (the posting engine, CPU only), write (the
   * one statement that writes everything, and COMMIT with it) and commit (the
   * connection back to the pool; COMMIT itself rides with the write).
   */
  readonly stages: Histogram<'stage'>;

  constructor(metrics: ServiceMetrics) {
    const registers = [metrics.registry];
    this.batchItems = new Histogram({
      name: 'ledger_posting_batch_items',
      help: 'Commands per posting transaction (after micro-batching).',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers,
    });
    this.isolatedSubmissions = new Counter({
      name: 'ledger_posting_isolated_submissions_total',
      help: 'Submissions re-run on their own after the batch they were merged into failed as a whole.',
      registers,
    });
    this.stages = new Histogram({
      name: 'ledger_posting_stage_seconds',
      help: 'Time spent in each stage of a posting batch: queue, begin, load, apply, write, commit.',
      labelNames: ['stage'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
  }
}
