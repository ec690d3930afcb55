import { randomUUID } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { SettlementConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks } from '@meridian/health';
import { closeRedisClient } from '@meridian/redis';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { Job, Queue, Worker } from 'bullmq';
import { DelegateBackoff, handleAll, retry } from 'cockatiel';
import { CutoffService } from '../../application/cutoff.service';
import { SettlementMetrics } from '../../application/settlement-metrics';
import { CUTOFFS_QUEUE, jobRetention, queueConnection, workerDefaults } from './queues';

/**
 * Cut-offs as BullMQ jobs: a job scheduler fires them on SETTLEMENT_CUTOFF_CRON
 * (one job per tick however many replicas run), and `trigger()` adds one on
 * demand. A failed cut-off is retried with backoff; every run first finishes
 * what an earlier run left unfinished.
 */
@Injectable()
export class CutoffJobs implements OnApplicationBootstrap {
  private readonly logger: Logger;
  private queue!: Queue;

  constructor(
    @InjectConfig() private readonly config: SettlementConfig,
    @InjectLogger() logger: Logger,
    private readonly hooks: ShutdownHooks,
    private readonly cutoffs: CutoffService,
    private readonly metrics: SettlementMetrics,
  ) {
    this.logger = logger.child({ component: 'cutoff-jobs' });
  }

  onApplicationBootstrap(): void {
    const queueConnectionClient = queueConnection(this.config, this.logger, 'cutoff-queue');
    this.queue = new Queue(CUTOFFS_QUEUE, {
      connection: queueConnectionClient,
      prefix: this.config.REDIS_KEY_PREFIX,
      defaultJobOptions: {
        attempts: this.config.JOB_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.config.JOB_BACKOFF_MS, jitter: 0.5 },
        ...jobRetention(this.config),
      },
    });
    this.queue.on('error', (error) => this.logger.warn({ err: error }, 'cut-off queue error'));
    const workerConnection = queueConnection(this.config, this.logger, 'cutoff-worker');
    const worker = new Worker<{ trigger: string }, string | null>(CUTOFFS_QUEUE, (job) => this.process(job), {
      ...workerDefaults(this.config),
      connection: workerConnection,
      prefix: this.config.REDIS_KEY_PREFIX,
      concurrency: 1,
    });
    worker.on('error', (error) => this.logger.warn({ err: error }, 'cut-off worker error'));
    worker.on('failed', (job, error) => {
      if (!job || job.attemptsMade >= (job.opts.attempts ?? 1))
        this.metrics.failedJobs.inc({ queue: CUTOFFS_QUEUE });
      this.logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error }, 'cut-off job failed');
    });
    const scheduling = new AbortController();
    this.hooks.onDrain('cutoff-worker', async () => {
      scheduling.abort();
      await worker.close();
      await this.queue.close();
      workerConnection.disconnect();
      await closeRedisClient(queueConnectionClient);
    });
    void this.schedule(scheduling.signal);
  }

  /**
   * Registers the cron schedule; retried in the background (after 0.5 s, 1 s,
   * 1.5 s, ... at most 5 s) while Redis is not there yet, until shutdown.
   */
  private async schedule(stopping: AbortSignal): Promise<void> {
    const untilRegistered = retry(handleAll, {
      maxAttempts: Infinity,
      backoff: new DelegateBackoff<{ attempt: number }>(({ attempt }) => Math.min(500 * attempt, 5_000)),
    });
    untilRegistered.onRetry(({ attempt, ...reason }) =>
      this.logger.warn(
        { err: 'error' in reason ? reason.error : undefined, attempt },
        'registering the cut-off schedule failed; retrying',
      ),
    );
    try {
      await untilRegistered.execute(async ({ signal }) => {
        if (signal.aborted) return;
        await this.queue.upsertJobScheduler(
          'settlement-cutoff',
          { pattern: this.config.SETTLEMENT_CUTOFF_CRON, tz: 'UTC' },
          { name: 'cutoff', data: { trigger: 'schedule' } },
        );
      }, stopping);
    } catch {
      // Shutdown began while an attempt failed; another replica (or the next start) registers it.
    }
  }

  /** Adds an on-demand cut-off; returns its job id. */
  async trigger(): Promise<string> {
    const job = await this.queue.add(
      'cutoff',
      { trigger: 'on-demand' },
      { jobId: `on-demand-${randomUUID()}` },
    );
    return job.id!;
  }

  /** The state of a cut-off job and, once done, the batch it closed. */
  async status(jobId: string) {
    // State first: a job read as completed has its return value stored (both are written
    // at once), whereas a job read before its state could miss the value of a completion
    // that happened in between, and report a finished cut-off with no batch.
    const state = await this.queue.getJobState(jobId);
    const job = await Job.fromId<unknown, string | null>(this.queue, jobId);
    if (!job || state === 'unknown') return null;
    return {
      jobId,
      state,
      batchId: job.returnvalue ?? null,
      failedReason: job.failedReason ?? null,
    };
  }

  get cutoffQueue(): Queue {
    return this.queue;
  }

  private async process(job: Job<{ trigger: string }>): Promise<string | null> {
    const started = performance.now();
    try {
      const batchId = await this.cutoffs.run(job.data.trigger);
      this.metrics.jobDuration.observe(
        { queue: CUTOFFS_QUEUE, outcome: 'completed' },
        (performance.now() - started) / 1000,
      );
      return batchId;
    } catch (error) {
      this.metrics.jobDuration.observe(
        { queue: CUTOFFS_QUEUE, outcome: 'failed' },
        (performance.now() - started) / 1000,
      );
      throw error;
    }
  }
}
