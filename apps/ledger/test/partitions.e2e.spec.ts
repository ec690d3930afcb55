import {
  LEDGER_EVENTS_QUEUE,
  type LedgerEventJob,
  tenantOwner,
  tenantPartition,
} from '@meridian/ledger-contract';
import {
  callerTokenEnv,
  createRedisNamespace,
  createTestDatabase,
  type LogLine,
  migrate,
  query,
  seeded,
  SeededRandom,
  ServiceProcess,
  testSeed,
  type TestDatabase,
  type TestRedisNamespace,
} from '@meridian/testing';
import { Queue } from 'bullmq';
import { LedgerClient, SERVICE_TOKEN, SETTLEMENT_TOKEN } from './support/ledger-fixture';

/** Fewer partitions than tenants, so that partitions hold several tenants, as in production. */
const PARTITIONS = 16;
const TENANTS = Array.from({ length: 20 }, (_, i) => `tenant-${i}`);
const WORKERS = 8;

/**
 * One run of a ledger process: which ordinal it was, when (if) the test
 * SIGKILLed it, and when (if) the test had PostgreSQL end its partition
 * session. Both times are taken before the act: nothing else can take its
 * partitions before then, and it can work none after the act.
 */
interface Incarnation {
  ordinal: number;
  count: number;
  process: ServiceProcess;
  killedAt?: number;
  sessionEndedAt?: number;
}

/** Three (then two) real ledger processes on one database and one Redis prefix, as a StatefulSet runs them. */
class LedgerCluster {
  readonly incarnations: Incarnation[] = [];
  readonly live = new Map<number, Incarnation>();

  constructor(
    readonly database: TestDatabase,
    readonly redis: TestRedisNamespace,
  ) {}

  async start(ordinal: number, count: number): Promise<void> {
    const process = await ServiceProcess.start('ledger', {
      DATABASE_URL: this.database.url,
      REDIS_URL: this.redis.url,
      REDIS_KEY_PREFIX: this.redis.prefix,
      ...callerTokenEnv('ledger', { api: SERVICE_TOKEN, settlement: SETTLEMENT_TOKEN }),
      REPLICA_ORDINAL: String(ordinal),
      REPLICA_COUNT: String(count),
      LEDGER_PARTITIONS: String(PARTITIONS),
      LEDGER_PARTITION_REBALANCE_MS: '200',
      LEDGER_OUTBOX_POLL_MS: '100',
      LEDGER_EXPIRY_INTERVAL_MS: '200',
      SHUTDOWN_DELAY_MS: '0',
      // Partition handoffs are logged at info.
      LOG_LEVEL: 'info',
    });
    const incarnation = { ordinal, count, process };
    this.incarnations.push(incarnation);
    await process.waitUntilReady(120_000);
    this.live.set(ordinal, incarnation);
  }

  /** SIGTERM, as a rolling update or a scale-down does; resolves once it has exited. */
  async stop(ordinal: number): Promise<void> {
    const incarnation = this.live.get(ordinal)!;
    this.live.delete(ordinal);
    const exit = await incarnation.process.stop(30_000);
    if (exit.code !== 0) throw new Error(`ledger-${ordinal} exited with ${exit.code} (${exit.signal})`);
  }

  /** SIGKILL: the process holds its locks until PostgreSQL sees its connection close. */
  async kill(ordinal: number): Promise<Incarnation> {
    const incarnation = this.live.get(ordinal)!;
    this.live.delete(ordinal);
    incarnation.killedAt = Date.now();
    incarnation.process.signal('SIGKILL');
    await incarnation.process.exited;
    return incarnation;
  }

  /** PostgreSQL ends the replica's partition session (as a failover or a cut connection does); it keeps running. */
  async endSession(ordinal: number): Promise<Incarnation> {
    const incarnation = this.live.get(ordinal)!;
    incarnation.sessionEndedAt = Date.now();
    const ended = await query<{ ended: boolean }>(
      this.database.url,
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1`,
      [`ledger:partitions:${ordinal}`],
    );
    if (ended.length !== 1 || !ended[0]!.ended)
      throw new Error(`no partition session of ledger-${ordinal} to end`);
    return incarnation;
  }

  /** The process a tenant's writes go to: its partition's owner while it runs (as the api routes), else another. */
  target(tenant: string, count: number, random: SeededRandom): ServiceProcess | undefined {
    const owner = this.live.get(tenantOwner(tenant, PARTITIONS, count));
    if (owner) return owner.process;
    const others = [...this.live.values()];
    return others.length > 0 ? others[random.int(0, others.length - 1)]!.process : undefined;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((ordinal) => this.stop(ordinal)));
  }
}

/** One partition handoff a process logged. */
interface Handoff {
  event: 'acquired' | 'released' | 'lost';
  partitions: number[];
  atMs: number;
}

const handoffsOf = (lines: LogLine[]): Handoff[] =>
  lines
    .filter((line) => typeof line.message === 'string' && line.message.startsWith('partitions '))
    .map((line) => ({
      event: line.message!.slice('partitions '.length) as Handoff['event'],
      partitions: line.partitions as number[],
      atMs: line.atMs as number,
    }));

/** The intervals during which each incarnation held each partition: from its acquisition to its release, loss or death. */
function holdings(incarnations: Incarnation[]): Map<number, { who: string; from: number; to: number }[]> {
  const byPartition = new Map<number, { who: string; from: number; to: number }[]>();
  incarnations.forEach((incarnation, i) => {
    const who = `ledger-${incarnation.ordinal} (run ${i})`;
    const open = new Map<number, number>();
    for (const handoff of handoffsOf(incarnation.process.logs())) {
      for (const p of handoff.partitions) {
        if (handoff.event === 'acquired') open.set(p, handoff.atMs);
        else {
          const from = open.get(p)!;
          open.delete(p);
          // A lost session's locks were gone when PostgreSQL ended it, before the process noticed.
          const to =
            handoff.event === 'lost'
              ? Math.min(handoff.atMs, incarnation.sessionEndedAt ?? Infinity)
              : handoff.atMs;
          byPartition.set(p, [...(byPartition.get(p) ?? []), { who, from, to }]);
        }
      }
    }
    // Still held: until the process was killed (it cannot have worked after that), or still running.
    for (const [p, from] of open)
      byPartition.set(p, [
        ...(byPartition.get(p) ?? []),
        { who, from, to: incarnation.killedAt ?? Infinity },
      ]);
  });
  return byPartition;
}

/** Partitions each running incarnation holds now, from its log. */
function heldNow(incarnation: Incarnation): Set<number> {
  const held = new Set<number>();
  for (const handoff of handoffsOf(incarnation.process.logs()))
    for (const p of handoff.partitions) {
      if (handoff.event === 'acquired') held.add(p);
      else held.delete(p);
    }
  return held;
}

/** Polls until `condition` holds; fails with `what` after a generous deadline. */
async function eventually(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not reached: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(seeded('three ledger processes sharing partitions'), () => {
  const seed = testSeed();
  // The scenario is drawn up front; each load worker has a generator of its own, so the seed replays the choices.
  const random = new SeededRandom(seed);
  let database: TestDatabase;
  let redis: TestRedisNamespace;
  let cluster: LedgerCluster;
  let queue: Queue;

  beforeAll(async () => {
    database = await createTestDatabase('ledger_partitions');
    await migrate('ledger', database.url);
    redis = createRedisNamespace('ledger_partitions');
    cluster = new LedgerCluster(database, redis);
    for (const ordinal of [0, 1, 2]) await cluster.start(ordinal, 3);
    queue = new Queue(LEDGER_EVENTS_QUEUE, {
      connection: { host: redis.host, port: redis.port },
      prefix: redis.prefix,
    });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stopAll();
    await queue?.close();
    await redis?.clear();
    await database?.drop();
  });

  it('under load over 20 tenants, through a restart, a SIGKILL, a lost partition session and a scale from three to two: every event is published once, in commit order per partition and tenant; every pending transfer past its timeout is expired once; no partition ever had two holders', async () => {
    const sql = <R extends object>(text: string, params: unknown[] = []) =>
      query<R>(database.url, text, params);
    const restarted = random.int(0, 2);
    const killedOrdinal = random.int(0, 2);
    const cutOrdinal = random.int(0, 2);
    let count = 3;
    const setup = new LedgerClient(cluster.live.get(0)!.process.url);
    for (const tenant of TENANTS)
      expect(
        (
          await setup.createAccounts(tenant, [
            { id: 'a', currency: 'EUR' },
            { id: 'b', currency: 'EUR' },
          ])
        ).status,
      ).toBe(200);

    // Load: each worker sends one tenant's transfers at a time to its owner, or to another process while the owner is down.
    let loading = true;
    let sent = 0;
    const expiring: { tenant: string; id: string }[] = [];
    const send = async (random: SeededRandom, tenant: string, path: string, body: object) => {
      for (;;) {
        const target = cluster.target(tenant, count, random);
        if (target) {
          try {
            const reply = await new LedgerClient(target.url).request('POST', path, body);
            if (reply.status === 200) return reply.body;
            if (reply.status !== 503)
              throw new Error(`${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
          } catch (error) {
            // fetch failed: the process went away (a TypeError of another realm than jest's)
            if ((error as Error).message !== 'fetch failed') throw error;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const worker = async (w: number) => {
      const random = new SeededRandom(seed + 1 + w);
      for (let n = 0; loading; n++) {
        const tenant = TENANTS[random.int(0, TENANTS.length - 1)]!;
        const id = `w${w}-${n}`;
        const transfer = { id, debitAccountId: 'a', creditAccountId: 'b', amount: '1', currency: 'EUR' };
        const kind = random.int(0, 9);
        if (kind < 7) {
          await send(random, tenant, `/v1/tenants/${tenant}/transfers`, { transfers: [transfer] });
        } else if (kind < 9) {
          // Left to expire: one second, then the owner's sweeper.
          await send(random, tenant, `/v1/tenants/${tenant}/transfers`, {
            transfers: [{ ...transfer, flags: { pending: true }, timeoutSeconds: 1 }],
          });
          expiring.push({ tenant, id });
        } else {
          await send(random, tenant, `/v1/tenants/${tenant}/transfers`, {
            transfers: [{ ...transfer, flags: { pending: true }, timeoutSeconds: 3_600 }],
          });
          const how = random.chance(0.5) ? 'post' : 'void';
          await send(random, tenant, `/v1/tenants/${tenant}/transfers/${id}/${how}`, { id: `${id}-${how}` });
        }
        sent++;
      }
    };
    const workers = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const moreLoad = async () => {
      const target = sent + 150;
      await eventually(`150 more operations after ${sent}`, () => sent >= target);
    };

    await moreLoad();
    // A rolling restart of one replica.
    await cluster.stop(restarted);
    await moreLoad();
    await cluster.start(restarted, 3);
    await moreLoad();

    // A SIGKILL: its partitions move to the live replicas, then back when it returns.
    const killed = await cluster.kill(killedOrdinal);
    const orphaned = heldNow(killed);
    await eventually(`the partitions of SIGKILLed ledger-${killedOrdinal} taken over`, () =>
      [...orphaned].every((p) => [...cluster.live.values()].some((i) => heldNow(i).has(p))),
    );
    await moreLoad();
    await cluster.start(killedOrdinal, 3);
    await moreLoad();

    // A partition session ended under a running process: it stops working its partitions, then takes them again.
    const cut = await cluster.endSession(cutOrdinal);
    await eventually(`ledger-${cutOrdinal} taking its partitions again after losing its session`, () => {
      const handoffs = handoffsOf(cut.process.logs());
      const lost = handoffs.findIndex((h) => h.event === 'lost');
      return lost >= 0 && handoffs.slice(lost + 1).some((h) => h.event === 'acquired');
    });
    await moreLoad();

    // Three to two, as the StatefulSet does it: the last ordinal goes, then the others roll with the new count.
    await cluster.stop(2);
    await moreLoad();
    for (const ordinal of [1, 0]) {
      await cluster.stop(ordinal);
      await cluster.start(ordinal, 2);
      count = 2;
      await moreLoad();
    }
    loading = false;
    await workers;

    // Settled: every short pending transfer expired, every partition with its owner of two, the outbox published.
    await eventually('every pending transfer past its timeout expired', async () => {
      const [row] = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pending_transfers WHERE state = 'pending' AND expires_at <= now() + interval '1 second'`,
      );
      return row!.n === 0;
    });
    await eventually('each partition held by ordinal p mod 2', () => {
      const held = [...cluster.live.values()].map((i) => ({ ordinal: i.ordinal, held: heldNow(i) }));
      return Array.from({ length: PARTITIONS }, (_, p) => p).every((p) =>
        held.every(({ ordinal, held }) => held.has(p) === (ordinal === p % 2)),
      );
    });
    await eventually('the outbox published', async () => {
      const [row] = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM partition_outbox WHERE published_at IS NULL`,
      );
      return row!.n === 0;
    });

    // The outbox, the record of what committed: per partition, sequences 1..n with no gap or repeat.
    const rows = await sql<{
      id: string;
      partition: number;
      first_sequence: string;
      events: LedgerEventJob[];
    }>(
      `SELECT id::text, partition, first_sequence::text, events FROM partition_outbox
        ORDER BY partition, partition_outbox.first_sequence`,
    );
    const committed = new Map<string, { partition: number; sequence: number }>();
    const lastOf = new Map<number, number>();
    const gaps: string[] = [];
    for (const row of rows) {
      const expected = (lastOf.get(row.partition) ?? 0) + 1;
      if (Number(row.first_sequence) !== expected)
        gaps.push(
          `partition ${row.partition}: row ${row.id} starts at ${row.first_sequence}, not ${expected}`,
        );
      row.events.forEach((event, i) => {
        const sequence = Number(row.first_sequence) + i;
        if (tenantPartition(event.tenantId, PARTITIONS) !== row.partition)
          gaps.push(`event ${event.eventId} of ${event.tenantId} in partition ${row.partition}`);
        lastOf.set(row.partition, sequence);
        committed.set(event.eventId, { partition: row.partition, sequence });
      });
    }
    expect(gaps).toEqual([]);

    // The queue, in the order jobs were added (nothing consumes it here).
    const jobs = await queue.getWaiting(0, -1);
    const published = jobs.map((job) => job.data as LedgerEventJob);
    // Exactly once: one job per committed event, and nothing else.
    expect(published.length).toBe(committed.size);
    expect(new Set(published.map((e) => e.eventId)).size).toBe(published.length);
    for (const event of published) expect(committed.get(event.eventId)).toBeDefined();
    // In commit order: within each partition (so for each tenant), sequence n + 1 follows n.
    const seen = new Map<number, number>();
    const outOfOrder: string[] = [];
    for (const event of published) {
      const { partition, sequence } = committed.get(event.eventId)!;
      expect([event.partition, event.sequence]).toEqual([partition, sequence]);
      if (sequence !== (seen.get(partition) ?? 0) + 1)
        outOfOrder.push(`partition ${partition}: ${sequence} after ${seen.get(partition) ?? 0}`);
      seen.set(partition, sequence);
    }
    expect(outOfOrder).toEqual([]);
    // A pending transfer's event comes before the event that ends it.
    const position = new Map(published.map((e, i) => [`${e.tenantId}/${e.transfer.id}/${e.type}`, i]));
    for (const e of published) {
      const pendingId = e.type === 'transfer.expired' ? e.transfer.id : e.transfer.pendingId;
      if (pendingId === null) continue;
      expect(position.get(`${e.tenantId}/${pendingId}/transfer.pending`)).toBeLessThan(
        position.get(`${e.tenantId}/${e.transfer.id}/${e.type}`)!,
      );
    }

    // Expired once: each short pending transfer is expired in the ledger and has exactly one transfer.expired.
    expect(expiring.length).toBeGreaterThan(0);
    const expiredEvents = new Map<string, number>();
    for (const e of published)
      if (e.type === 'transfer.expired') {
        const key = `${e.tenantId}/${e.transfer.id}`;
        expiredEvents.set(key, (expiredEvents.get(key) ?? 0) + 1);
      }
    const states = await sql<{ tenant_id: string; transfer_id: string; state: string }>(
      `SELECT tenant_id, transfer_id, state FROM pending_transfers`,
    );
    const stateOf = new Map(states.map((s) => [`${s.tenant_id}/${s.transfer_id}`, s.state]));
    for (const { tenant, id } of expiring) {
      expect({ id, state: stateOf.get(`${tenant}/${id}`) }).toEqual({ id, state: 'expired' });
      expect({ id, expiredEvents: expiredEvents.get(`${tenant}/${id}`) }).toEqual({ id, expiredEvents: 1 });
    }
    expect(expiredEvents.size).toBe(states.filter((s) => s.state === 'expired').length);

    // Fenced: the intervals during which processes held a partition never overlap.
    const overlaps: string[] = [];
    for (const [p, intervals] of holdings(cluster.incarnations)) {
      intervals.sort((a, b) => a.from - b.from);
      for (let i = 1; i < intervals.length; i++)
        if (intervals[i]!.from < intervals[i - 1]!.to)
          overlaps.push(
            `partition ${p}: ${JSON.stringify(intervals[i - 1])} and ${JSON.stringify(intervals[i])}`,
          );
    }
    expect(overlaps).toEqual([]);
    // The SIGKILLed process's partitions were taken over while it was gone, not only when it came back.
    const takenOver = cluster.incarnations
      .filter((i) => i.ordinal !== killed.ordinal)
      .flatMap((i) => handoffsOf(i.process.logs()))
      .filter((h) => h.event === 'acquired' && h.atMs >= killed.killedAt!)
      .flatMap((h) => h.partitions);
    for (const p of orphaned) expect(takenOver).toContain(p);
  }, 600_000);

  it('refuses to start, exiting 1 with the reason, when LEDGER_PARTITIONS differs from the count its database was divided into', async () => {
    const stray = await ServiceProcess.start('ledger', {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      ...callerTokenEnv('ledger', { api: SERVICE_TOKEN, settlement: SETTLEMENT_TOKEN }),
      REPLICA_ORDINAL: '2',
      REPLICA_COUNT: '3',
      LEDGER_PARTITIONS: String(PARTITIONS * 2),
      LOG_LEVEL: 'warn',
    });
    expect((await stray.exited).code).toBe(1);
    const reasons = stray.logs().map((line) => (line.err as { message?: string } | undefined)?.message ?? '');
    expect(reasons).toContain(
      `LEDGER_PARTITIONS is ${PARTITIONS * 2} but this database is divided into ${PARTITIONS} partitions; ` +
        'set it to that, or drain the outbox and restart every replica and caller with the new count at once after changing partition_count',
    );
  }, 120_000);
});
