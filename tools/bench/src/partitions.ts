import { randomBytes } from 'node:crypto';
import { LEDGER_EVENTS_QUEUE, type LedgerEventJob, tenantOwner } from '@meridian/ledger-contract';
import { createRedisNamespace, query, type TestRedisNamespace } from '@meridian/testing';
import { Queue } from 'bullmq';
import { Pgbench } from './pgbench';
import { startBenchLedgers } from './lib/ledger-fixture';
import { load, type LoadResult } from './lib/load';
import { fixed, ms, printReport, ratio, type ResultTable } from './lib/report';

/**
 * `npm run bench:partitions`: three ledger processes on one PostgreSQL, 32
 * clients writing single transfers for 20 tenants, with tenant-affine
 * routing off (each client sends any tenant's transfers to any process, as a
 * ClusterIP Service spreads them) and on (each client sends only the tenants
 * of one process's partitions to it, as the api does). For each: transfers/s,
 * latency, how many PostgreSQL backends of the ledger were waiting for a lock
 * (pg_stat_activity sampled every 20 ms), and then the publish lag of each
 * tenant's events (job added to ledger-events minus the posting
 * transaction's time), per tenant. pgbench's TPC-B-like transaction at the
 * same 32 clients is the physical baseline, and the WAL written per transfer
 * is the figure that sizes one PostgreSQL (ADR 0020). Absolute figures drift
 * between machines and runs; on and off measured back to back are the
 * comparison.
 *
 * DURATION (seconds per run, default 20) and ACCOUNTS (per tenant, default 50) tune it.
 */

const DURATION = Number(process.env.DURATION ?? 20);
const ACCOUNTS = Number(process.env.ACCOUNTS ?? 50);
const REPLICAS = 3;
const CLIENTS = 32;
const PARTITIONS = 64;
const TENANTS = Array.from({ length: 20 }, (_, i) => `tenant-${i}`);

interface RunResult {
  load: LoadResult;
  /** Mean backends of the ledger's database waiting for a lock, over the samples. */
  meanLockWaiters: number;
  /** Share of samples in which at least one was. */
  samplesWithWaits: number;
  lockWaitEvents: Map<string, number>;
  lagByTenant: Map<string, number[]>;
  walBytesPerTransfer: number;
}

async function run(routing: boolean, redis: TestRedisNamespace): Promise<RunResult> {
  const cluster = await startBenchLedgers({ redis, replicas: REPLICAS, partitions: PARTITIONS });
  try {
    for (const tenant of TENANTS) await cluster.createAccounts(tenant, ACCOUNTS);
    const ownerOf = (tenant: string) => tenantOwner(tenant, PARTITIONS, REPLICAS);
    // Clients per process: 11, 11, 10. With routing, each process's clients send only its tenants.
    const clientsOf = (ordinal: number) =>
      Math.floor(CLIENTS / REPLICAS) + (ordinal < CLIENTS % REPLICAS ? 1 : 0);
    const tenantsOf = (ordinal: number) =>
      routing ? TENANTS.filter((t) => ownerOf(t) === ordinal) : TENANTS;
    const runId = randomBytes(4).toString('hex');
    let sequence = 0;

    const walBefore = await walPosition(cluster.databaseUrl);
    const sampling = sampleLockWaits(cluster.databaseUrl);
    const results = await Promise.all(
      cluster.services.map((service, ordinal) => {
        const tenants = tenantsOf(ordinal);
        if (tenants.length === 0) return Promise.resolve(undefined);
        return load({
          url: `${service.url}/v1/tenants`,
          connections: clientsOf(ordinal),
          durationSeconds: DURATION,
          headers: { authorization: `Bearer ${cluster.token}` },
          next: () => {
            const tenant = tenants[Math.floor(Math.random() * tenants.length)]!;
            const debit = Math.floor(Math.random() * ACCOUNTS);
            const credit = (debit + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
            return {
              path: `/v1/tenants/${tenant}/transfers`,
              body: JSON.stringify({
                transfers: [
                  {
                    id: `${runId}-${sequence++}`,
                    debitAccountId: `acc-${debit}`,
                    creditAccountId: `acc-${credit}`,
                    amount: '1',
                    currency: 'EUR',
                  },
                ],
              }),
            };
          },
        });
      }),
    );
    const waits = await sampling.stop();
    const walBytes = (await walPosition(cluster.databaseUrl)) - walBefore;
    const done = results.filter((r): r is LoadResult => r !== undefined);
    const ok = done.reduce((sum, r) => sum + r.ok, 0);
    const seconds = Math.max(...done.map((r) => r.durationSeconds));
    const combined: LoadResult = {
      ok,
      requestsPerSecond: ok / seconds,
      // Per process; the slowest process's figure stands for the run.
      p50: Math.max(...done.map((r) => r.p50)),
      p99: Math.max(...done.map((r) => r.p99)),
      errors: done.reduce((sum, r) => sum + r.errors, 0),
      durationSeconds: seconds,
    };
    await cluster.waitPublished();
    return {
      load: combined,
      ...waits,
      lagByTenant: await publishLag(redis),
      // Other databases' writes count too; on a machine doing nothing else they are noise.
      walBytesPerTransfer: walBytes / Math.max(ok, 1),
    };
  } finally {
    await cluster.stop();
  }
}

/** The server's WAL insert position, in bytes. */
async function walPosition(databaseUrl: string): Promise<number> {
  const [row] = await query<{ lsn: string }>(
    databaseUrl,
    `SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::text AS lsn`,
  );
  return Number(row!.lsn);
}

/** Samples pg_stat_activity for the database's backends waiting on a lock until stopped. */
function sampleLockWaits(databaseUrl: string) {
  let sampling = true;
  const counts: number[] = [];
  const events = new Map<string, number>();
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const loop = (async () => {
    while (sampling) {
      const rows = await query<{ wait_event: string }>(
        admin.toString(),
        `SELECT wait_event FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`,
        [name],
      );
      counts.push(rows.length);
      for (const row of rows) events.set(row.wait_event, (events.get(row.wait_event) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      sampling = false;
      await loop;
      return {
        meanLockWaiters: counts.reduce((a, b) => a + b, 0) / Math.max(counts.length, 1),
        samplesWithWaits: counts.filter((n) => n > 0).length / Math.max(counts.length, 1),
        lockWaitEvents: events,
      };
    },
  };
}

/** Each tenant's events' lag: when the relay added the job, minus when the posting transaction ran. */
async function publishLag(redis: TestRedisNamespace): Promise<Map<string, number[]>> {
  const queue = new Queue(LEDGER_EVENTS_QUEUE, {
    connection: { host: redis.host, port: redis.port },
    prefix: redis.prefix,
  });
  try {
    const lag = new Map<string, number[]>();
    const total = await queue.getWaitingCount();
    for (let start = 0; start < total; start += 5_000) {
      for (const job of await queue.getWaiting(start, start + 4_999)) {
        const event = job.data as LedgerEventJob;
        const lags = lag.get(event.tenantId) ?? [];
        lags.push(job.timestamp - Date.parse(event.occurredAt));
        lag.set(event.tenantId, lags);
      }
    }
    return lag;
  } finally {
    await queue.close();
  }
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main(): Promise<void> {
  const pgbench = await Pgbench.prepare(DURATION);
  process.stdout.write(`pgbench tpcb-like, ${CLIENTS} clients, ${DURATION} s\n`);
  const baseline = pgbench.run(CLIENTS).tps;
  await pgbench.drop();
  const results = new Map<string, RunResult>();
  for (const routing of [false, true]) {
    const label = routing ? 'routing on' : 'routing off';
    process.stdout.write(
      `ledger x${REPLICAS}: ${label}, ${CLIENTS} clients over ${TENANTS.length} tenants, ${DURATION} s\n`,
    );
    const redis = createRedisNamespace('bench_partitions');
    try {
      results.set(label, await run(routing, redis));
    } finally {
      await redis.clear();
    }
  }
  const off = results.get('routing off')!;
  const throughput: ResultTable = {
    title: `Three ledger processes, ${CLIENTS} clients, single transfers over ${TENANTS.length} tenants (${DURATION} s per run)`,
    columns: [
      'routing',
      'transfers/s',
      'vs off',
      'vs pgbench',
      'p50',
      'p99',
      'backends waiting on a lock (mean)',
      'samples with a lock wait',
      'lock wait events',
      'WAL/transfer',
      'errors',
    ],
    rows: [...results].map(([label, r]) => [
      label,
      fixed(r.load.requestsPerSecond),
      ratio(r.load.requestsPerSecond / off.load.requestsPerSecond),
      ratio(r.load.requestsPerSecond / baseline),
      ms(r.load.p50),
      ms(r.load.p99),
      r.meanLockWaiters.toFixed(2),
      `${Math.round(r.samplesWithWaits * 100)}%`,
      [...r.lockWaitEvents].map(([event, n]) => `${event} ${n}`).join(', ') || '–',
      `${fixed(r.walBytesPerTransfer)} B`,
      r.load.errors,
    ]),
  };
  throughput.rows.push(['pgbench tpcb-like', fixed(baseline), '–', '1.00x', '–', '–', '–', '–', '–', '–', 0]);
  const lag: ResultTable = {
    title:
      'Publish lag per tenant (job added to ledger-events minus the posting transaction’s time), routing on | off',
    columns: ['tenant', 'ledger', 'events', 'p50', 'p99', 'max', 'p99 with routing off'],
    rows: TENANTS.map((tenant) => {
      const on = [...(results.get('routing on')!.lagByTenant.get(tenant) ?? [])].sort((a, b) => a - b);
      const offLags = [...(off.lagByTenant.get(tenant) ?? [])].sort((a, b) => a - b);
      return [
        tenant,
        `ledger-${tenantOwner(tenant, PARTITIONS, REPLICAS)}`,
        on.length,
        ms(quantile(on, 0.5), 0),
        ms(quantile(on, 0.99), 0),
        ms(on.at(-1) ?? 0, 0),
        ms(quantile(offLags, 0.99), 0),
      ];
    }),
  };
  printReport({
    bench: 'partitions',
    tables: [throughput, lag],
    notes: [
      'Routing on: each process receives only the tenants whose partitions it owns (tenantOwner), as the api sends them; off: every process receives every tenant.',
      'Lag includes the relay’s poll interval (LEDGER_OUTBOX_POLL_MS, 100 ms by default) whenever a pass found nothing waiting.',
    ],
  });
}

void main();
