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

/**
 * Rows claimed per pass: posting batches (each up to LEDGER_BATCH_MAX_ITEMS
 * events), and per-event rows left by a ledger of the previous release.
 */
const BATCH_ROWS = 10;
const EVENT_ROWS = 500;

interface OutboxBatchRow {
  id: bigint;
  events: LedgerEventJob[];
  created_at: Date;
}

/** A row of the per-event outbox of earlier releases. */
interface OutboxEventRow {
  id: bigint;
  event_id: string;
  tenant_id: string;
  type: LedgerEventJob['type'];
  payload: Pick<LedgerEventJob, 'occurredAt' | 'transfer'>;
  traceparent: string | null;
}

interface PassResult {
  /** When the oldest row claimed was written; null when there was none. */
  oldest: Date | null;
  more: boolean;
}

const NOTHING: PassResult = { oldest: null, more: false };

/**
 * Publishes outbox events to BullMQ. Each pass claims unpublished rows
 * (FOR UPDATE SKIP LOCKED, so ledger replicas share the work), adds their
 * events as jobs whose id is the event id, and marks the rows published in
 * the same transaction. A row is a posting batch's events (outbox_batches);
 * the per-event rows of earlier releases (outbox_events) are drained the same
 * way, so nothing a ledger of the previous release wrote during a rolling
 * update is left behind. A crash between the two re-publishes on the next pass, and
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
        const more = await this.publishPending(queue);
        if (Date.now() - this.lastCleanup > 60_000) {
          this.lastCleanup = Date.now();
          await this.deletePublished();
        }
        return more;
      },
      onError: (error, failures) =>
        this.logger.warn({ err: error, failures }, 'outbox relay pass failed; retrying'),
      onStopped: async () => {
        await queue.close();
        await closeRedisClient(connection);
      },
    });
  }

  /** One pass over both outboxes; true when either had more rows than a pass takes. */
  async publishPending(queue: Queue): Promise<boolean> {
    const earlier = await this.publishEventRows(queue);
    const batches = await this.publishBatchRows(queue);
    const oldest = [earlier.oldest, batches.oldest].filter((d): d is Date => d !== null);
    this.lag.set(
      oldest.length === 0 ? 0 : Math.max(0, (Date.now() - Math.min(...oldest.map(Number))) / 1000),
    );
    return earlier.more || batches.more;
  }

  /** Claims, publishes and marks up to BATCH_ROWS posting batches' events, in one transaction. */
  private publishBatchRows(queue: Queue): Promise<PassResult> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxBatchRow[]>`
          SELECT id, events, created_at FROM outbox_batches
           WHERE published_at IS NULL
           ORDER BY id
           LIMIT ${BATCH_ROWS}
           FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return NOTHING;
        const events = rows.flatMap((row) => row.events);
        await this.publish(queue, events);
        const ids = rows.map((row) => row.id);
        await tx.$executeRaw`UPDATE outbox_batches SET published_at = now() WHERE id = ANY(${ids}::bigint[])`;
        return { oldest: rows[0]!.created_at, more: rows.length === BATCH_ROWS };
      },
      { timeout: 30_000 },
    );
  }

  /** The same for the per-event rows of earlier releases. */
  private publishEventRows(queue: Queue): Promise<PassResult> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxEventRow[]>`
          SELECT id, event_id, tenant_id, type, payload, traceparent FROM outbox_events
           WHERE published_at IS NULL
           ORDER BY id
           LIMIT ${EVENT_ROWS}
           FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return NOTHING;
        await this.publish(
          queue,
          rows.map((row) => ({
            eventId: row.event_id,
            type: row.type,
            tenantId: row.tenant_id,
            occurredAt: row.payload.occurredAt,
            transfer: row.payload.transfer,
            traceparent: row.traceparent,
          })),
        );
        const ids = rows.map((row) => row.id);
        await tx.$executeRaw`UPDATE outbox_events SET published_at = now() WHERE id = ANY(${ids}::bigint[])`;
        return { oldest: new Date(rows[0]!.payload.occurredAt), more: rows.length === EVENT_ROWS };
      },
      { timeout: 30_000 },
    );
  }

  private async publish(queue: Queue, events: LedgerEventJob[]): Promise<void> {
    await queue.addBulk(events.map((data) => ({ name: data.type, data, opts: { jobId: data.eventId } })));
    this.published.inc(events.length);
  }

  private async deletePublished(): Promise<void> {
    const hours = this.config.LEDGER_OUTBOX_RETENTION_HOURS;
    await this.prisma.$executeRaw`
      DELETE FROM outbox_batches WHERE published_at < now() - make_interval(hours => ${hours}::int)`;
    await this.prisma.$executeRaw`
      DELETE FROM outbox_events WHERE published_at < now() - make_interval(hours => ${hours}::int)`;
  }
}
