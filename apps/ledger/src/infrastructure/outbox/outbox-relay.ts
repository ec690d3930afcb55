import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { LedgerConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks, startBackgroundLoop } from '@meridian/health';
import { LEDGER_EVENTS_QUEUE, type LedgerEventJob } from '@meridian/ledger-contract';
import { closeRedisClient, createRedisClient } from '@meridian/redis';
import { InjectLogger, type Logger, ServiceMetrics } from '@meridian/telemetry';
import { Queue } from 'bullmq';
import { Counter, Gauge } from 'prom-client';
import { PrismaService } from '../persistence/prisma.service';

const BATCH = 500;

interface OutboxRow {
  id: bigint;
  event_id: string;
  tenant_id: string;
  type: LedgerEventJob['type'];
  payload: Pick<LedgerEventJob, 'occurredAt' | 'transfer'>;
  traceparent: string | null;
}

/**
 * Publishes outbox events to BullMQ. Each pass claims unpublished rows
 * (FOR UPDATE SKIP LOCKED, so ledger replicas share the work), adds them as
 * jobs whose id is the event id, and marks them published in the same
 * transaction. A crash between the two re-publishes on the next pass, and
 * BullMQ ignores a job id it already holds: each event becomes exactly one job.
 * That holds while completed jobs are retained (24 h), far longer than any
 * relay outage it has to cover.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap {
  private readonly logger: Logger;
  private lastCleanup = 0;
  private readonly published: Counter;
  private readonly lag: Gauge;

  constructor(
    @InjectConfig() private readonly config: LedgerConfig,
    @InjectLogger() logger: Logger,
    private readonly prisma: PrismaService,
    private readonly hooks: ShutdownHooks,
    metrics: ServiceMetrics,
  ) {
    this.logger = logger.child({ component: 'outbox-relay' });
    this.published = new Counter({
      name: 'ledger_outbox_published_total',
      help: 'Outbox events published to the ledger-events queue.',
      registers: [metrics.registry],
    });
    this.lag = new Gauge({
      name: 'ledger_outbox_lag_seconds',
      help: 'Age of the oldest unpublished outbox event at the last pass (0 when none).',
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    const connection = createRedisClient({
      url: this.config.REDIS_URL,
      connectionName: `${this.config.OTEL_SERVICE_NAME}:outbox`,
      role: 'blocking',
      onError: (error) => this.logger.warn({ err: error }, 'outbox redis connection error'),
    });
    const queue = new Queue(LEDGER_EVENTS_QUEUE, {
      connection,
      prefix: this.config.REDIS_KEY_PREFIX,
      defaultJobOptions: {
        attempts: 10,
        backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    queue.on('error', (error) => this.logger.warn({ err: error }, 'outbox queue error'));
    startBackgroundLoop({
      name: 'outbox-relay',
      hooks: this.hooks,
      intervalMs: this.config.LEDGER_OUTBOX_POLL_MS,
      pass: async () => {
        const published = await this.publishBatch(queue);
        if (Date.now() - this.lastCleanup > 60_000) {
          this.lastCleanup = Date.now();
          await this.deletePublished();
        }
        return published === BATCH;
      },
      onError: (error, failures) =>
        this.logger.warn({ err: error, failures }, 'outbox relay pass failed; retrying'),
      onStopped: async () => {
        await queue.close();
        await closeRedisClient(connection);
      },
    });
  }

  /** One pass: claim, publish, mark, in one transaction. Returns how many events were published. */
  async publishBatch(queue: Queue): Promise<number> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxRow[]>`
          SELECT id, event_id, tenant_id, type, payload, traceparent FROM outbox_events
           WHERE published_at IS NULL
           ORDER BY id
           LIMIT ${BATCH}
           FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) {
          this.lag.set(0);
          return 0;
        }
        this.lag.set(Math.max(0, (Date.now() - Date.parse(rows[0]!.payload.occurredAt)) / 1000));
        await queue.addBulk(
          rows.map((row) => ({
            name: row.type,
            data: {
              eventId: row.event_id,
              type: row.type,
              tenantId: row.tenant_id,
              occurredAt: row.payload.occurredAt,
              transfer: row.payload.transfer,
              traceparent: row.traceparent,
            } satisfies LedgerEventJob,
            opts: { jobId: row.event_id },
          })),
        );
        const ids = rows.map((row) => row.id);
        await tx.$executeRaw`UPDATE outbox_events SET published_at = now() WHERE id = ANY(${ids}::bigint[])`;
        this.published.inc(rows.length);
        return rows.length;
      },
      { timeout: 30_000 },
    );
  }

  private async deletePublished(): Promise<void> {
    const hours = this.config.LEDGER_OUTBOX_RETENTION_HOURS;
    await this.prisma.$executeRaw`
      DELETE FROM outbox_events WHERE published_at < now() - make_interval(hours => ${hours}::int)`;
  }
}
