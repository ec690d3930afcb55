import { randomUUID } from 'node:crypto';
import { LEDGER_EVENTS_QUEUE } from '@meridian/ledger-contract';
import { callerTokenEnv, createRedisNamespace, query, startWithDatabase } from '@meridian/testing';
import { Queue, Worker } from 'bullmq';
import { processUsage, resetPeakRss } from './lib/process-usage';
import { fixed, printReport, ratio } from './lib/report';

/**
 * `npm run bench:settlement`: ledger events ingested per second by the
 * settlement worker, beside a bare BullMQ worker that does nothing with the
 * same jobs on the same Redis (the physical baseline), and a cut-off over
 * 100,000 obligations (time, and the worker's peak memory).
 *
 * EVENTS (default 20000) and OBLIGATIONS (default 100000) tune it;
 * SETTLEMENT_NODE_OPTIONS is passed to the worker (heap flags, a profile).
 */

const EVENTS = Number(process.env.EVENTS ?? 20_000);
const OBLIGATIONS = Number(process.env.OBLIGATIONS ?? 100_000);
const CONCURRENCY = 32;
/** The api's token (the bench calls settlement as the api does) and settlement's token for the ledger. */
const TOKEN = `bench-${randomUUID()}`;
const SETTLEMENT_TOKEN = `bench-settlement-${randomUUID()}`;
const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'];

function event(n: number) {
  const payer = TENANTS[n % TENANTS.length]!;
  const payee = TENANTS[(n + 1 + (n % 5)) % TENANTS.length]!;
  const now = new Date().toISOString();
  return {
    eventId: randomUUID(),
    type: 'transfer.posted' as const,
    tenantId: payer,
    occurredAt: now,
    transfer: {
      tenantId: payer,
      id: `bench-${n}`,
      kind: 'posted' as const,
      debitAccountId: 'main',
      creditTenantId: payee,
      creditAccountId: 'main',
      amount: String(1 + (n % 9_973)),
      currency: n % 2 === 0 ? 'EUR' : 'USD',
      code: 0,
      pendingId: null,
      createdAt: now,
    },
    traceparent: null,
  };
}

async function enqueue(queue: Queue, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1_000) {
    const jobs = Array.from({ length: Math.min(1_000, count - i) }, (_, j) => {
      const data = event(i + j);
      return { name: data.type, data, opts: { jobId: data.eventId, removeOnComplete: true } };
    });
    await queue.addBulk(jobs);
  }
}

async function main(): Promise<void> {
  const redis = createRedisNamespace('bench_settlement');
  const connection = { url: redis.url };
  const ledger = await startWithDatabase('ledger', 'bench_stl_ledger', {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `${redis.prefix}:ledger`,
    ...callerTokenEnv('ledger', { api: TOKEN, settlement: SETTLEMENT_TOKEN }),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DELAY_MS: '0',
  });
  try {
    // Baseline: a bare BullMQ worker, same concurrency, doing nothing with each job.
    const baselinePrefix = `${redis.prefix}:baseline`;
    const baselineQueue = new Queue(LEDGER_EVENTS_QUEUE, { connection, prefix: baselinePrefix });
    await enqueue(baselineQueue, EVENTS);
    let done = 0;
    const started = performance.now();
    const finished = new Promise<void>((resolve) => {
      const worker = new Worker(LEDGER_EVENTS_QUEUE, () => Promise.resolve(), {
        connection: { ...connection, maxRetriesPerRequest: null },
        prefix: baselinePrefix,
        concurrency: CONCURRENCY,
      });
      worker.on('completed', () => {
        if (++done === EVENTS) void worker.close().then(() => resolve());
      });
    });
    await finished;
    const baselineRate = EVENTS / ((performance.now() - started) / 1000);
    await baselineQueue.close();

    // The settlement worker, same concurrency, on its own prefix.
    const settlement = await startWithDatabase('settlement', 'bench_stl', {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      LEDGER_URL: ledger.service.url,
      LEDGER_TOKEN: SETTLEMENT_TOKEN,
      ...callerTokenEnv('settlement', { api: TOKEN }),
      ADMIN_TOKEN: `bench-admin-${randomUUID()}`,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      SETTLEMENT_CUTOFF_CRON: '0 0 0 1 1 *',
      LOG_LEVEL: 'warn',
      SHUTDOWN_DELAY_MS: '0',
      ...(process.env.SETTLEMENT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SETTLEMENT_NODE_OPTIONS } : {}),
    });
    try {
      const queue = new Queue(LEDGER_EVENTS_QUEUE, { connection, prefix: redis.prefix });
      await enqueue(queue, EVENTS);
      resetPeakRss(settlement.service.pid);
      const ingestStarted = performance.now();
      for (;;) {
        const [row] = await query<{ n: number }>(
          settlement.database.url,
          'SELECT count(*)::int AS n FROM obligations',
        );
        if (row!.n >= EVENTS) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const ingestRate = EVENTS / ((performance.now() - ingestStarted) / 1000);
      const ingestPeakRss = processUsage(settlement.service.pid).peakRssMegabytes;
      await queue.close();

      // Top the open window up to OBLIGATIONS, then one cut-off over all of them.
      await query(
        settlement.database.url,
        `INSERT INTO obligations (event_id, transfer_id, payer_tenant_id, payee_tenant_id, currency, amount, occurred_at)
         SELECT gen_random_uuid(), 'bulk-' || n, t[1 + n % 6], t[1 + (n % 6 + 1 + (n / 6) % 5) % 6],
                CASE WHEN n % 2 = 0 THEN 'EUR' ELSE 'USD' END, 1 + n % 9973, now()
           FROM generate_series(1, $1::int) AS n, (SELECT ARRAY['acme','globex','initech','umbrella','hooli','stark'] AS t) AS tenants`,
        [Math.max(0, OBLIGATIONS - EVENTS)],
      );
      const rssBefore = processUsage(settlement.service.pid).rssMegabytes;
      resetPeakRss(settlement.service.pid);
      const cutoffStarted = performance.now();
      const trigger = await fetch(`${settlement.service.url}/internal/cutoffs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const { jobId } = (await trigger.json()) as { jobId: string };
      let status: { state: string; batchId: string | null } = { state: 'waiting', batchId: null };
      while (status.state !== 'completed' && status.state !== 'failed') {
        await new Promise((r) => setTimeout(r, 20));
        status = (await (
          await fetch(`${settlement.service.url}/internal/cutoffs/${jobId}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          })
        ).json()) as typeof status;
      }
      const cutoffSeconds = (performance.now() - cutoffStarted) / 1000;
      const [batch] = await query<{ obligation_count: number; state: string }>(
        settlement.database.url,
        'SELECT obligation_count, state FROM settlement_batches WHERE id = $1',
        [status.batchId],
      );

      printReport({
        bench: 'settlement',
        tables: [
          {
            title: `Settlement worker vs a bare BullMQ worker on the same Redis (concurrency ${CONCURRENCY}, ${EVENTS} events)`,
            columns: ['run', 'events/s', 'ratio', 'worker peak RSS'],
            rows: [
              ['bare BullMQ worker (no-op)', fixed(baselineRate), '1.00x', '–'],
              [
                'settlement: events → obligations',
                fixed(ingestRate),
                ratio(ingestRate / baselineRate),
                `${fixed(ingestPeakRss)} MB`,
              ],
            ],
          },
          {
            title: 'Cut-off',
            columns: [
              'obligations',
              'seconds',
              'state',
              'worker RSS before',
              'worker peak RSS during the cut-off',
            ],
            rows: [
              [
                batch?.obligation_count ?? '?',
                cutoffSeconds.toFixed(2),
                batch?.state ?? status.state,
                `${fixed(rssBefore)} MB`,
                `${fixed(processUsage(settlement.service.pid).peakRssMegabytes)} MB`,
              ],
            ],
          },
        ],
        notes: ['Goal: settlement RSS under 200 MB under load.'],
      });
    } finally {
      await settlement.stop();
    }
  } finally {
    await ledger.stop();
    await redis.clear();
  }
}

void main();
