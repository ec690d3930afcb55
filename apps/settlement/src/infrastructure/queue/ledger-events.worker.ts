import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { SettlementConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks } from '@meridian/health';
import { LEDGER_EVENTS_QUEUE, ledgerEventJob } from '@meridian/ledger-contract';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { ObligationsService } from '../../application/obligations.service';
import { SettlementMetrics } from '../../application/settlement-metrics';
import { queueConnection, workerDefaults } from './queues';

const tracer = trace.getTracer('meridian-settlement');

/**
 * Consumes the ledger's events. Retries with backoff and jitter come from the
 * job options the ledger's relay sets; a job whose data does not match the
 * contract fails at once (retrying cannot fix it) and is kept with its reason.
 * The trace of the ledger request that caused the event continues here.
 */
@Injectable()
export class LedgerEventsWorker implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    @InjectConfig() private readonly config: SettlementConfig,
    @InjectLogger() logger: Logger,
    private readonly hooks: ShutdownHooks,
    private readonly obligations: ObligationsService,
    private readonly metrics: SettlementMetrics,
  ) {
    this.logger = logger.child({ component: 'ledger-events-worker' });
  }

  onApplicationBootstrap(): void {
    const connection = queueConnection(this.config, this.logger, 'events-worker');
    const worker = new Worker(LEDGER_EVENTS_QUEUE, (job) => this.process(job), {
      ...workerDefaults(this.config),
      connection,
      prefix: this.config.REDIS_KEY_PREFIX,
      concurrency: this.config.WORKER_CONCURRENCY,
    });
    worker.on('error', (error) => this.logger.warn({ err: error }, 'ledger events worker error'));
    worker.on('failed', (job, error) => {
      const final =
        !job || job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
      if (final) this.metrics.failedJobs.inc({ queue: LEDGER_EVENTS_QUEUE });
      this.logger.warn(
        { jobId: job?.id, attempts: job?.attemptsMade, final, err: error },
        'ledger event job failed',
      );
    });
    // Drain: stop taking jobs and wait for the ones in progress (worker.close waits for them).
    this.hooks.onDrain('ledger-events-worker', async () => {
      await worker.close();
      connection.disconnect();
    });
  }

  private async process(job: Job): Promise<boolean> {
    const parsed = ledgerEventJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`not a ledger event: ${parsed.error.message}`);
    const event = parsed.data;
    const parent = event.traceparent
      ? propagation.extract(ROOT_CONTEXT, { traceparent: event.traceparent })
      : ROOT_CONTEXT;
    const started = performance.now();
    return context.with(parent, () =>
      tracer.startActiveSpan(
        `process ${event.type}`,
        { kind: SpanKind.CONSUMER, attributes: { 'messaging.message.id': event.eventId } },
        async (span) => {
          try {
            const recorded = await this.obligations.record(event);
            this.metrics.jobDuration.observe(
              { queue: LEDGER_EVENTS_QUEUE, outcome: 'completed' },
              (performance.now() - started) / 1000,
            );
            return recorded;
          } catch (error) {
            this.metrics.jobDuration.observe(
              { queue: LEDGER_EVENTS_QUEUE, outcome: 'failed' },
              (performance.now() - started) / 1000,
            );
            throw error;
          } finally {
            span.end();
          }
        },
      ),
    );
  }
}
