import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import {
  callerTokenEnv,
  createRedisNamespace,
  createTestDatabase,
  migrate,
  ServiceProcess,
} from '@meridian/testing';
import { initPgbench, runPgbench } from './pgbench';

/**
 * `npm run bench:ledger`: the ledger over HTTP against pgbench's TPC-B-like
 * transaction on the same PostgreSQL, in one run:
 *   - single-transfer requests at 32 clients (micro-batched by the ledger),
 *   - batches of 100 transfers at 4 and at 32 clients,
 * each printed as transfers/s, p50 and p99 latency, and the ratio to pgbench
 * TPS at the same client count. Absolute figures drift between machines and
 * runs; the ratio is the number to compare.
 *
 * DURATION (seconds per run, default 20) and ACCOUNTS (default 1000) tune it.
 */

const DURATION = Number(process.env.DURATION ?? 20);
const ACCOUNTS = Number(process.env.ACCOUNTS ?? 1_000);
const TOKEN = `bench-${randomBytes(16).toString('hex')}`;
const TENANT = 'bench';

interface LoadResult {
  name: string;
  clients: number;
  transfersPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

function transfer(id: string) {
  const debit = Math.floor(Math.random() * ACCOUNTS);
  let credit = Math.floor(Math.random() * ACCOUNTS);
  if (credit === debit) credit = (credit + 1) % ACCOUNTS;
  return {
    id,
    debitAccountId: `acc-${debit}`,
    creditAccountId: `acc-${credit}`,
    amount: String(1 + (debit % 1000)),
    currency: 'EUR',
  };
}

async function load(url: string, name: string, clients: number, batchSize: number): Promise<LoadResult> {
  let sequence = 0;
  const run = randomBytes(4).toString('hex');
  const result = await autocannon({
    url: `${url}/v1/tenants/${TENANT}/transfers`,
    method: 'POST',
    connections: clients,
    duration: DURATION,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          const transfers = Array.from({ length: batchSize }, () => transfer(`${run}-${sequence++}`));
          return { ...request, body: JSON.stringify({ transfers }) };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    name,
    clients,
    transfersPerSecond: (ok * batchSize) / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

async function main(): Promise<void> {
  const pgbenchDb = await createTestDatabase('bench_pgbench');
  const ledgerDb = await createTestDatabase('bench_ledger');
  const redis = createRedisNamespace('bench');
  let ledger: ServiceProcess | undefined;
  try {
    process.stdout.write(`preparing: pgbench -i -s 10, ledger with ${ACCOUNTS} accounts\n`);
    initPgbench(pgbenchDb.url, 10);
    await migrate('ledger', ledgerDb.url);
    ledger = await ServiceProcess.start('ledger', {
      DATABASE_URL: ledgerDb.url,
      DATABASE_POOL_MAX: '16',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      ...callerTokenEnv('ledger', { api: TOKEN, settlement: `${TOKEN}-settlement` }),
      LOG_LEVEL: 'warn',
      SHUTDOWN_DELAY_MS: '0',
    });
    await ledger.waitUntilReady(30_000);
    for (let i = 0; i < ACCOUNTS; i += 1_000) {
      const accounts = Array.from({ length: Math.min(1_000, ACCOUNTS - i) }, (_, j) => ({
        id: `acc-${i + j}`,
        currency: 'EUR',
      }));
      await fetch(`${ledger.url}/v1/tenants/${TENANT}/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ accounts }),
      });
    }

    const runs: { result: LoadResult; baseline: number }[] = [];
    const baselines = new Map<number, number>();
    const baseline = (clients: number) => {
      if (!baselines.has(clients)) {
        process.stdout.write(`pgbench tpcb-like, ${clients} clients, ${DURATION} s\n`);
        baselines.set(clients, runPgbench(pgbenchDb.url, clients, DURATION).tps);
      }
      return baselines.get(clients)!;
    };
    for (const [name, clients, size] of [
      ['single transfers', 32, 1],
      ['batches of 100', 4, 100],
      ['batches of 100', 32, 100],
    ] as const) {
      const tps = baseline(clients);
      process.stdout.write(`ledger: ${name}, ${clients} clients, ${DURATION} s\n`);
      runs.push({ result: await load(ledger.url, name, clients, size), baseline: tps });
    }

    const lines = [
      '',
      `ledger over HTTP vs pgbench tpcb-like on the same PostgreSQL (${DURATION} s per run, ${ACCOUNTS} accounts)`,
      '',
      'run                      clients   transfers/s      p50       p99   pgbench TPS   ratio   errors',
      ...runs.map(({ result: r, baseline: b }) =>
        [
          r.name.padEnd(24),
          String(r.clients).padStart(7),
          r.transfersPerSecond.toFixed(0).padStart(13),
          `${r.p50.toFixed(1)} ms`.padStart(9),
          `${r.p99.toFixed(1)} ms`.padStart(9),
          b.toFixed(0).padStart(13),
          `${(r.transfersPerSecond / b).toFixed(2)}x`.padStart(7),
          String(r.errors).padStart(8),
        ].join(' '),
      ),
      '',
      'goals: single transfers at 32 clients >= 2.0x with p99 < 50 ms; batches of 100 >= 10x at 4 clients, no collapse at 32',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await ledger?.stop();
    await pgbenchDb.drop();
    await ledgerDb.drop();
    await redis.clear();
  }
}

void main();
