import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { LedgerConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks, startBackgroundLoop } from '@meridian/health';
import { LEDGER_EVENTS_QUEUE, type LedgerEventJob } from '@meridian/ledger-contract';
import { closeRedisClient, createRedisClient } from '@meridian/redis';
import { InjectLogger, type Logger, ServiceMetrics } from '@meridian/telemetry';
import { Queue } from 'bullmq';
import { Counter, Gauge } from 'prom-client';
import type { ClientBase } from 'pg';
import { PartitionOwnership } from '../partitions/partition-ownership';
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
/**
 * The longest one addBulk may take. Redis that does not answer (its client
 * queues commands while reconnecting) must fail the pass, and roll back its
 * transaction, well before the partition session's idle-in-transaction
 * timeout (30 s) would end the session and its locks.
 */
const ADD_TIMEOUT_MS = 10_000;

/** Where a pass reads posting-batch rows from. */
interface BatchSource {
  table: 'partition_outbox' | 'outbox_batches';
  /** Rows of this release: in partitions, with sequences. */
  partitioned: boolean;
}

/** This release's outbox: the owned partitions' rows, claimed plainly (no other replica works them). */
const PARTITIONED: BatchSource = { table: 'partition_outbox', partitioned: true };
/**
 * The previous release's: claimed with SKIP LOCKED, as its own relays do,
 * while they still run during a rolling update.
 */
const PREVIOUS_RELEASE: BatchSource = { table: 'outbox_batches', partitioned: false };

/** A row of the per-event outbox of earlier releases. */
interface OutboxEventRow {
  id: string;
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
 * Publishes outbox events to BullMQ, each partition's from one replica: a
 * pass works the partitions this replica owns (PartitionOwnership), in a
 * transaction on the partition session, so a replica that has lost a
 * partition cannot mark its rows any more. A pass claims the oldest
 * unpublished rows of those partitions (partition_outbox, in id order, which
 * within a partition is sequence order), adds their events as jobs whose id
 * is the event id, in order, and marks the rows published in the same
 * transaction: each partition's events reach the queue in commit order. A crash between
 * adding and marking re-publishes on the next pass, and BullMQ ignores a job
 * id it already holds, so each event becomes exactly one job, still in order
 * (the ones added again are the ones already there). That holds while
 * completed jobs are retained (24 h), far longer than any relay outage it
 * has to cover. The owner of partition 0 also publishes what ledgers of
 * earlier releases wrote (outbox_batches, and the per-event outbox_events),
 * so nothing is left behind during a rolling update; those have no partition
 * and no order across replicas, as before.
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
    private readonly ownership: PartitionOwnership,
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
      help: "Age of the oldest unpublished outbox event of this replica's partitions at the last pass (0 when none).",
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
        if (Date.now() - this.lastCleanup > 60_000 && this.ownership.partitions.includes(0)) {
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
   * One pass over this replica's partitions; true when a pass stopped at its
   * budget and more is waiting. Otherwise the next pass waits
   * LEDGER_OUTBOX_POLL_MS: a relay that ran again at once whenever it found
   * something would, under steady load, spend a pass (and its transaction)
   * on every posting batch; measured, that was a fifth of the ledger's CPU
   * for single transfers.
   */
  async publishPending(queue: Queue): Promise<boolean> {
    const result = await this.ownership.withPartitions(async (session, partitions) => {
      const legacy = partitions.includes(0);
      // Measured before publishing, by the database's clock, so that a pass
      // that fails (Redis away, a timeout) still reports the backlog it leaves.
      const pending = await unpublished(session, partitions, legacy);
      this.lag.set(pending.ageSeconds);
      const earlier = pending.events ? await this.publishEventRows(session, queue) : NOTHING;
      const unpartitioned = pending.unpartitioned
        ? await this.publishBatchRows(session, queue, PREVIOUS_RELEASE, partitions)
        : NOTHING;
      const batches = pending.batches
        ? await this.publishBatchRows(session, queue, PARTITIONED, partitions)
        : NOTHING;
      // Counted once the rows are marked: a pass rolled back publishes again.
      this.published.inc(earlier.published + unpartitioned.published + batches.published);
      return earlier.more || unpartitioned.more || batches.more;
    });
    if (result === undefined) this.lag.set(0);
    return result ?? false;
  }

  /**
   * Claims, publishes and marks the oldest posting-batch rows of a source
   * (this release's: of the given partitions), about EVENTS_PER_PASS events'
   * worth (at least one row), in one transaction. Candidates are locked
   * first, then the oldest of them up to the event budget are read whole;
   * each event of this release's rows gets its partition and sequence.
   */
  private publishBatchRows(
    session: ClientBase,
    queue: Queue,
    source: BatchSource,
    partitions: readonly number[],
  ): Promise<PassResult> {
    const { table, partitioned } = source;
    return inTransaction(session, async () => {
      // Ordered by the column, not the text it is read as (ids are read as text: they are BIGINT).
      const { rows: candidates } = await session.query<{ id: string; event_count: number }>(
        partitioned
          ? `SELECT id::text, event_count FROM partition_outbox
              WHERE published_at IS NULL AND partition = ANY($2::int[])
              ORDER BY partition_outbox.id LIMIT $1 FOR UPDATE`
          : `SELECT id::text, event_count FROM outbox_batches
              WHERE published_at IS NULL
              ORDER BY outbox_batches.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        partitioned ? [CANDIDATE_ROWS, partitions] : [CANDIDATE_ROWS],
      );
      if (candidates.length === 0) return NOTHING;
      const ids: string[] = [];
      let events = 0;
      for (const row of candidates) {
        if (ids.length > 0 && events + row.event_count > EVENTS_PER_PASS) break;
        ids.push(row.id);
        events += row.event_count;
      }
      const { rows } = await session.query<{
        partition: number | null;
        first_sequence: string | null;
        events: LedgerEventJob[];
      }>(
        partitioned
          ? `SELECT partition, first_sequence::text, events FROM partition_outbox
              WHERE id = ANY($1::bigint[]) ORDER BY partition_outbox.id`
          : `SELECT NULL::int AS partition, NULL::text AS first_sequence, events FROM outbox_batches
              WHERE id = ANY($1::bigint[]) ORDER BY outbox_batches.id`,
        [ids],
      );
      await this.publish(
        queue,
        rows.flatMap((row) =>
          row.partition === null || row.first_sequence === null
            ? row.events
            : row.events.map((event, i) => ({
                ...event,
                partition: row.partition!,
                sequence: Number(row.first_sequence) + i,
              })),
        ),
      );
      await session.query(`UPDATE ${table} SET published_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
      // Stopped at the budget (candidates left over, or as many as were asked for): more is waiting.
      return {
        published: events,
        more: ids.length < candidates.length || candidates.length === CANDIDATE_ROWS,
      };
    });
  }

  /** The same for the per-event rows of earlier releases. */
  private publishEventRows(session: ClientBase, queue: Queue): Promise<PassResult> {
    return inTransaction(session, async () => {
      const { rows } = await session.query<OutboxEventRow>(
        `SELECT id::text, event_id, tenant_id, type, payload, traceparent FROM outbox_events
          WHERE published_at IS NULL
          ORDER BY outbox_events.id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [EVENTS_PER_PASS],
      );
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
      await session.query(`UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::bigint[])`, [
        ids,
      ]);
      return { published: rows.length, more: rows.length === EVENTS_PER_PASS };
    });
  }

  private async publish(queue: Queue, events: LedgerEventJob[]): Promise<void> {
    for (let i = 0; i < events.length; i += JOBS_PER_ADD) {
      const chunk = events.slice(i, i + JOBS_PER_ADD);
      // If it completes after timing out, the pass that follows adds the same
      // jobs again from the same row: nothing new, nothing out of order.
      await withTimeout(
        queue.addBulk(chunk.map((data) => ({ name: data.type, data, opts: { jobId: data.eventId } }))),
        ADD_TIMEOUT_MS,
        'adding jobs to ledger-events',
      );
    }
  }

  private async deletePublished(): Promise<void> {
    const hours = this.config.LEDGER_OUTBOX_RETENTION_HOURS;
    await this.prisma.$executeRaw`
      DELETE FROM partition_outbox WHERE published_at < now() - make_interval(hours => ${hours}::int)`;
    await this.prisma.$executeRaw`
      DELETE FROM outbox_batches WHERE published_at < now() - make_interval(hours => ${hours}::int)`;
    await this.prisma.$executeRaw`
      DELETE FROM outbox_events WHERE published_at < now() - make_interval(hours => ${hours}::int)`;
  }
}

/**
 * Whether the partitions' rows (and, with `legacy`, the outboxes of earlier
 * releases) hold anything unpublished, and the age of the oldest (0 when none).
 */
async function unpublished(
  session: ClientBase,
  partitions: readonly number[],
  legacy: boolean,
): Promise<{ ageSeconds: number; batches: boolean; unpartitioned: boolean; events: boolean }> {
  const { rows } = await session.query<{
    batches: Date | null;
    unpartitioned: Date | null;
    events: Date | null;
    age: number | null;
  }>(
    `SELECT b.oldest AS batches, u.oldest AS unpartitioned, e.oldest AS events,
            extract(epoch FROM now() - LEAST(b.oldest, u.oldest, e.oldest))::float8 AS age
       FROM (SELECT min(created_at) AS oldest FROM partition_outbox
              WHERE published_at IS NULL AND partition = ANY($1::int[])) AS b,
            (SELECT min(created_at) AS oldest FROM outbox_batches WHERE published_at IS NULL AND $2) AS u,
            (SELECT min(created_at) AS oldest FROM outbox_events WHERE published_at IS NULL AND $2) AS e`,
    [partitions, legacy],
  );
  const row = rows[0];
  return {
    ageSeconds: Math.max(0, row?.age ?? 0),
    batches: row?.batches != null,
    unpartitioned: row?.unpartitioned != null,
    events: row?.events != null,
  };
}

/** Runs `work` in a transaction on the session; rolled back if it throws, so the session stays usable. */
async function inTransaction<T>(session: ClientBase, work: () => Promise<T>): Promise<T> {
  await session.query('BEGIN');
  try {
    const result = await work();
    await session.query('COMMIT');
    return result;
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Rejects after `ms` unless `work` settles first. */
async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
