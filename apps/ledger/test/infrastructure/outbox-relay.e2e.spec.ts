import { randomUUID } from 'node:crypto';
import { LEDGER_EVENTS_QUEUE, tenantPartition } from '@meridian/ledger-contract';
import { createLogger, ServiceMetrics } from '@meridian/telemetry';
import {
  createRedisNamespace,
  createTestDatabase,
  migrate,
  query,
  type TestDatabase,
  type TestRedisNamespace,
} from '@meridian/testing';
import { PrismaPg } from '@prisma/adapter-pg';
import { Queue } from 'bullmq';
import type { LedgerConfig } from '../../src/config';
import { PrismaClient } from '../../src/generated/prisma/client';
import { CANDIDATE_ROWS, EVENTS_PER_PASS, OutboxRelay } from '../../src/infrastructure/outbox/outbox-relay';
import type { PrismaService } from '../../src/infrastructure/persistence/prisma.service';
import { ShutdownHooks, StartupTasks } from '@meridian/health';
import { PartitionOwnership } from '../../src/infrastructure/partitions/partition-ownership';
import { postedEventTransfer } from '../support/outbox-rows';

/**
 * A relay pass asks for the next one at once only when it stopped at its
 * budget; otherwise the next pass waits for the poll interval. Under steady
 * load a relay that ran again whenever it found something spent a pass on
 * every posting batch.
 */
describe('an outbox relay pass, on real PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let redis: TestRedisNamespace;
  let prisma: PrismaClient;
  let queue: Queue;
  let relay: OutboxRelay;
  let ownership: PartitionOwnership;

  beforeAll(async () => {
    database = await createTestDatabase('ledger_outbox_relay');
    await migrate('ledger', database.url);
    redis = createRedisNamespace('ledger_outbox_relay');
    prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    queue = new Queue(LEDGER_EVENTS_QUEUE, {
      connection: { host: redis.host, port: redis.port },
      prefix: redis.prefix,
    });
    const logger = createLogger({ service: 'ledger-test', version: '0', level: 'warn' });
    const metrics = new ServiceMetrics({ service: 'ledger-test' });
    // The only replica: it owns every partition, partition 0 (and so the rows of earlier releases) included.
    const config = {
      DATABASE_URL: database.url,
      REPLICA_ORDINAL: 0,
      REPLICA_COUNT: 1,
      LEDGER_PARTITIONS: 4,
    } as LedgerConfig;
    ownership = new PartitionOwnership(config, logger, new ShutdownHooks(), new StartupTasks(), metrics);
    await ownership.checkPartitioning();
    await ownership.rebalance();
    relay = new OutboxRelay(
      config,
      logger,
      prisma as unknown as PrismaService,
      ownership,
      new ShutdownHooks(),
      metrics,
    );
  });

  afterAll(async () => {
    await ownership?.releaseAll();
    await queue?.close();
    await prisma?.$disconnect();
    await redis?.clear();
    await database?.drop();
  });

  const PARTITION = tenantPartition('relay', 4);
  let lastSequence = 0;

  /**
   * Writes `rows` posting-batch rows of `events` events each, as the posting
   * transaction does (partition_outbox), or as a ledger of the previous
   * release did (outbox_batches).
   */
  async function postingBatchRows(
    rows: number,
    events: number,
    table: 'partition_outbox' | 'outbox_batches' = 'partition_outbox',
  ): Promise<string[]> {
    const occurredAt = new Date().toISOString();
    const ids: string[] = [];
    for (let row = 0; row < rows; row++) {
      const batch = Array.from({ length: events }, (_, i) => ({
        eventId: randomUUID(),
        type: 'transfer.posted',
        tenantId: 'relay',
        occurredAt,
        transfer: postedEventTransfer('relay', `t-${row}-${i}-${randomUUID()}`, occurredAt),
        traceparent: null,
      }));
      if (table === 'partition_outbox') {
        await query(
          database.url,
          `INSERT INTO partition_outbox (partition, first_sequence, events, event_count) VALUES ($1, $2, $3::jsonb, $4)`,
          [PARTITION, lastSequence + 1, JSON.stringify(batch), batch.length],
        );
        lastSequence += batch.length;
      } else
        await query(database.url, `INSERT INTO outbox_batches (events, event_count) VALUES ($1::jsonb, $2)`, [
          JSON.stringify(batch),
          batch.length,
        ]);
      ids.push(...batch.map((event) => event.eventId));
    }
    return ids;
  }

  const unpublishedRows = async () =>
    (
      await query<{ count: number }>(
        database.url,
        `SELECT ((SELECT count(*) FROM partition_outbox WHERE published_at IS NULL) +
                 (SELECT count(*) FROM outbox_batches WHERE published_at IS NULL))::int AS count`,
      )
    )[0]!.count;

  const jobCount = async () => Object.values(await queue.getJobCounts()).reduce((sum, n) => sum + n, 0);

  it('finds nothing to publish in an empty outbox and asks for no pass at once', async () => {
    expect(await relay.publishPending(queue)).toBe(false);
    expect(await jobCount()).toBe(0);
  });

  it('publishes every row under its budget in one pass and asks for no pass at once', async () => {
    const eventIds = await postingBatchRows(3, 2);
    expect(await relay.publishPending(queue)).toBe(false);
    expect(await unpublishedRows()).toBe(0);
    for (const id of eventIds) expect(await queue.getJob(id)).toBeDefined();
  });

  it('stops at its budget of rows, asks for the next pass at once, and that pass publishes the rest', async () => {
    const before = await jobCount();
    await postingBatchRows(CANDIDATE_ROWS + 1, 1);
    expect(await relay.publishPending(queue)).toBe(true);
    expect(await unpublishedRows()).toBe(1);
    expect(await relay.publishPending(queue)).toBe(false);
    expect(await unpublishedRows()).toBe(0);
    expect((await jobCount()) - before).toBe(CANDIDATE_ROWS + 1);
  });

  it('publishes a row heavier than its event budget alone, and asks for the next pass at once for the row behind it', async () => {
    const before = await jobCount();
    await postingBatchRows(1, EVENTS_PER_PASS + 1);
    await postingBatchRows(1, 1);
    expect(await relay.publishPending(queue)).toBe(true);
    expect(await unpublishedRows()).toBe(1);
    expect((await jobCount()) - before).toBe(EVENTS_PER_PASS + 1);
    expect(await relay.publishPending(queue)).toBe(false);
    expect(await unpublishedRows()).toBe(0);
  });

  it("gives each event of a partitioned row its partition and its sequence, counting from the row's first", async () => {
    const occurredAt = new Date().toISOString();
    const events = ['a', 'b', 'c'].map((name) => ({
      eventId: randomUUID(),
      type: 'transfer.posted',
      tenantId: 'relay',
      occurredAt,
      transfer: postedEventTransfer('relay', `seq-${name}`, occurredAt),
      traceparent: null,
    }));
    await query(
      database.url,
      `INSERT INTO partition_outbox (partition, first_sequence, events, event_count) VALUES (3, 41, $1::jsonb, 3)`,
      [JSON.stringify(events)],
    );
    expect(await relay.publishPending(queue)).toBe(false);
    const published = await Promise.all(events.map((event) => queue.getJob(event.eventId)));
    expect(published.map((job) => [job?.data.partition, job?.data.sequence])).toEqual([
      [3, 41],
      [3, 42],
      [3, 43],
    ]);
  });

  it('publishes nothing of the partitions it does not hold', async () => {
    const before = await jobCount();
    await ownership.releaseAll();
    await postingBatchRows(2, 1);
    expect(await relay.publishPending(queue)).toBe(false);
    expect(await jobCount()).toBe(before);
    await ownership.rebalance();
    expect(await relay.publishPending(queue)).toBe(false);
    expect((await jobCount()) - before).toBe(2);
  });

  it("adds rows' events to the queue in the rows' order, numerically (row 10 after row 9), across passes", async () => {
    for (const table of ['partition_outbox', 'outbox_batches'] as const) {
      await query(database.url, `ALTER SEQUENCE ${table}_id_seq RESTART WITH 95`);
      const eventIds = await postingBatchRows(CANDIDATE_ROWS + 5, 1, table);
      while (await relay.publishPending(queue));
      const waiting = (await queue.getWaiting(0, -1)).map((job) => job.id);
      expect({ table, order: waiting.filter((id) => eventIds.includes(id!)) }).toEqual({
        table,
        order: eventIds,
      });
    }
  });

  it("publishes the previous release's posting-batch rows, which have no partition, from the owner of partition 0", async () => {
    const eventIds = await postingBatchRows(3, 2, 'outbox_batches');
    expect(await relay.publishPending(queue)).toBe(false);
    expect(await unpublishedRows()).toBe(0);
    for (const id of eventIds) expect((await queue.getJob(id))?.data.sequence).toBeUndefined();
  });
});
