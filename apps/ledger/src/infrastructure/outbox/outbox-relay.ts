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
 * Events claimed per pass, about: posting-batch rows are claimed in order
 * until they hold this many (a row holds up to LEDGER_BATCH_MAX_ITEMS, so at
 * least one row), and per-event rows of the previous release up to this many.
 */
export const EVENTS_PER_PASS = 2_000;
/** Posting-batch rows locked per pass, of which the oldest within EVENTS_PER_PASS are published. */
export const CANDIDATE_ROWS = 20;
/** Jobs per addBulk (one pipeline): a pass never builds one huge command buffer. */
const JOBS_PER_ADD = 1_000;

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
  published: number;
  more: boolean;
}

const NOTHING: PassResult = { published: 0, more: false };

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

  /**
   * One pass over both outboxes; true when a pass stopped at its budget and
   * more is waiting. Otherwise the next pass waits LEDGER_OUTBOX_POLL_MS: a
   * relay that ran again at once whenever it found something would, under
   * steady load, spend a pass (and its transaction) on every posting batch;
   * measured, that was a fifth of the ledger's CPU for single transfers.
   */
  async publishPending(queue: Queue): Promise<boolean> {
    // Measured before publishing, by the database's clock, so that a pass that
    // fails (Redis away, a timeout) still reports the backlog it leaves.
    const pending = await this.unpublished();
    this.lag.set(pending.ageSeconds);
    const earlier = pending.events ? await this.publishEventRows(queue) : NOTHING;
    const batches = pending.batches ? await this.publishBatchRows(queue) : NOTHING;
    // Counted once the rows are marked: a pass rolled back publishes again.
    this.published.inc(earlier.published + batches.published);
    return earlier.more || batches.more;
  }

  /** Whether each outbox holds unpublished rows, and the age of the oldest of all (0 when none). */
  private async unpublished(): Promise<{ ageSeconds: number; batches: boolean; events: boolean }> {
    const [row] = await this.prisma.$queryRaw<
      { batches: Date | null; events: Date | null; age: number | null }[]
    >`
      SELECT b.oldest AS batches, e.oldest AS events,
             extract(epoch FROM now() - LEAST(b.oldest, e.oldest))::float8 AS age
        FROM (SELECT min(created_at) AS oldest FROM outbox_batches WHERE published_at IS NULL) AS b,
             (SELECT min(created_at) AS oldest FROM outbox_events WHERE published_at IS NULL) AS e`;
    return {
      ageSeconds: Math.max(0, row?.age ?? 0),
      batches: row?.batches != null,
      events: row?.events != null,
    };
  }

  /**
   * Claims, publishes and marks the oldest posting batches' rows, about
   * EVENTS_PER_PASS events' worth (at least one row), in one transaction.
   * Candidates are locked first (SKIP LOCKED, so replicas take different
   * rows), then the oldest of them up to the event budget are read whole.
   */
  private publishBatchRows(queue: Queue): Promise<PassResult> {
    return this.prisma.$transaction(
      async (tx) => {
        const candidates = await tx.$queryRaw<{ id: bigint; event_count: number }[]>`
          SELECT id, event_count FROM outbox_batches
           WHERE published_at IS NULL
           ORDER BY id
           LIMIT ${CANDIDATE_ROWS}
           FOR UPDATE SKIP LOCKED`;
        if (candidates.length === 0) return NOTHING;
        const ids: bigint[] = [];
        let events = 0;
        for (const row of candidates) {
          if (ids.length > 0 && events + row.event_count > EVENTS_PER_PASS) break;
          ids.push(row.id);
          events += row.event_count;
        }
        const rows = await tx.$queryRaw<{ events: LedgerEventJob[] }[]>`
          SELECT events FROM outbox_batches WHERE id = ANY(${ids}::bigint[]) ORDER BY id`;
        await this.publish(
          queue,
          rows.flatMap((row) => row.events),
        );
        await tx.$executeRaw`UPDATE outbox_batches SET published_at = now() WHERE id = ANY(${ids}::bigint[])`;
        // Stopped at the budget (candidates left over, or as many as were asked for): more is waiting.
        return {
          published: events,
          more: ids.length < candidates.length || candidates.length === CANDIDATE_ROWS,
        };
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
           LIMIT ${EVENTS_PER_PASS}
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
        return { published: rows.length, more: rows.length === EVENTS_PER_PASS };
      },
      { timeout: 30_000 },
    );
  }

  private async publish(queue: Queue, events: LedgerEventJob[]): Promise<void> {
    for (let i = 0; i < events.length; i += JOBS_PER_ADD) {
      const chunk = events.slice(i, i + JOBS_PER_ADD);
      await queue.addBulk(chunk.map((data) => ({ name: data.type, data, opts: { jobId: data.eventId } })));
    }
  }

  private async deletePublished(): Promise<void> {
    const hours = this.config.LEDGER_OUTBOX_RETENTION_HOURS;
    await this.prisma.$executeRaw`
      DELETE FROM outbox_batches WHERE published_at < now() - make_interval(hours => ${hours}::int)`;
    await this.prisma.$executeRaw`
      DELETE FROM outbox_events WHERE published_at < now() - make_interval(hours => ${hours}::int)`;
  }
}
