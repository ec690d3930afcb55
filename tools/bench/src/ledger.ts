import { randomBytes } from 'node:crypto';
import { createRedisNamespace } from '@meridian/testing';
import { Pgbench } from './pgbench';
import { randomTransfer, startBenchLedger } from './lib/ledger-fixture';
import { load } from './lib/load';
import { cpuMsPerRequest, processUsage, startCpuAccount } from './lib/process-usage';
import { histogramByLabel, histogramDelta, scrape } from './lib/prometheus';
import { fixed, ms, printReport, ratio, type ResultTable } from './lib/report';

/**
 * `npm run bench:ledger`: the ledger over HTTP against pgbench's TPC-B-like
 * transaction on the same PostgreSQL, in one run:
 *   - single-transfer requests at 32 clients (micro-batched by the ledger),
 *   - batches of 100 transfers at 4 and at 32 clients,
 * each printed as transfers/s, p50 and p99 latency, the ledger's CPU per
 * request and the ratio to pgbench TPS at the same client count; then where
 * each run's batches spent their time (ledger_posting_stage_seconds); then
 * where the machine's CPU went, per transfer and per pgbench transaction:
 * on a machine that both runs saturate, the ratio is the ratio of those sums.
 * Absolute figures drift between machines and runs; the ratio is the number
 * to compare.
 *
 * DURATION (seconds per run, default 20), ACCOUNTS (default 1000) and RUNS
 * (those to keep of single, batch4, batch32) tune it; LEDGER_NODE_OPTIONS is
 * passed to the ledger (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), and so
 * is every LEDGER_BATCH_* setting.
 */

const DURATION = Number(process.env.DURATION ?? 20);
const ACCOUNTS = Number(process.env.ACCOUNTS ?? 1_000);
const TENANT = 'bench';
const STAGES = ['queue', 'begin', 'load', 'apply', 'write', 'commit'];
const STAGE_METRIC = 'ledger_posting_stage_seconds';

const SCENARIOS = [
  { key: 'single', name: 'single transfers', clients: 32, size: 1 },
  { key: 'batch4', name: 'batches of 100', clients: 4, size: 100 },
  { key: 'batch32', name: 'batches of 100', clients: 32, size: 100 },
] as const;

async function main(): Promise<void> {
  const pgbench = await Pgbench.prepare(DURATION);
  const redis = createRedisNamespace('bench');
  const wanted = process.env.RUNS?.split(',');
  process.stdout.write(`preparing: ledger with ${ACCOUNTS} accounts\n`);
  const ledger = await startBenchLedger({ redis, tenant: TENANT, accounts: ACCOUNTS });
  try {
    const throughput: ResultTable = {
      title: `Ledger over HTTP vs pgbench tpcb-like on the same PostgreSQL (${DURATION} s per run, ${ACCOUNTS} accounts)`,
      columns: [
        'run',
        'clients',
        'transfers/s',
        'p50',
        'p99',
        'ledger CPU/request',
        'pgbench TPS',
        'ratio',
        'errors',
      ],
      rows: [],
    };
    const stages: ResultTable = {
      title: `Where a posting batch spends its time (mean ms per batch, ${STAGE_METRIC})`,
      columns: ['run', 'batches', 'transfers/batch', ...STAGES],
      rows: [],
    };
    const cpu: ResultTable = {
      title:
        'Where the CPU went (ms per transfer; per transaction for pgbench): on a machine the runs keep busy, throughput is cores / the sum',
      columns: ['run', 'clients', 'ledger', 'PostgreSQL', 'load generator', 'sum', 'machine busy'],
      rows: [],
    };
    const busy = (share: number) => `${Math.round(share * 100)}%`;
    for (const scenario of SCENARIOS.filter((s) => !wanted || wanted.includes(s.key))) {
      const baseline = pgbench.run(scenario.clients);
      const tps = baseline.tps;
      process.stdout.write(`ledger: ${scenario.name}, ${scenario.clients} clients, ${DURATION} s\n`);
      const run = randomBytes(4).toString('hex');
      let sequence = 0;
      const stagesBefore = histogramByLabel(
        await scrape(ledger.service.managementUrl),
        STAGE_METRIC,
        'stage',
      );
      const usageBefore = processUsage(ledger.service.pid);
      const account = startCpuAccount();
      const result = await load({
        url: `${ledger.service.url}/v1/tenants/${TENANT}/transfers`,
        connections: scenario.clients,
        durationSeconds: DURATION,
        headers: { authorization: `Bearer ${ledger.token}` },
        next: () => ({
          body: JSON.stringify({
            transfers: Array.from({ length: scenario.size }, () =>
              randomTransfer(`${run}-${sequence++}`, ACCOUNTS),
            ),
          }),
        }),
      });
      const usageAfter = processUsage(ledger.service.pid);
      const spent = account();
      const stageDelta = histogramDelta(
        stagesBefore,
        histogramByLabel(await scrape(ledger.service.managementUrl), STAGE_METRIC, 'stage'),
      );
      const transfersPerSecond = result.requestsPerSecond * scenario.size;
      throughput.rows.push([
        scenario.name,
        scenario.clients,
        fixed(transfersPerSecond),
        ms(result.p50),
        ms(result.p99),
        ms(cpuMsPerRequest(usageBefore, usageAfter, result.ok), 2),
        fixed(tps),
        ratio(transfersPerSecond / tps),
        result.errors,
      ]);
      const transfers = Math.max(result.ok * scenario.size, 1);
      const ledgerCpuMs = ((usageAfter.cpuSeconds - usageBefore.cpuSeconds) * 1_000) / transfers;
      const postgresCpuMs = (spent.postgresSeconds * 1_000) / transfers;
      const loadCpuMs = (spent.loadGeneratorSeconds * 1_000) / transfers;
      cpu.rows.push(
        [
          `${scenario.name}`,
          scenario.clients,
          ms(ledgerCpuMs, 3),
          ms(postgresCpuMs, 3),
          ms(loadCpuMs, 3),
          ms(ledgerCpuMs + postgresCpuMs + loadCpuMs, 3),
          busy(spent.machineBusy),
        ],
        [
          'pgbench tpcb-like',
          scenario.clients,
          '–',
          ms(baseline.postgresCpuMs, 3),
          ms(baseline.clientCpuMs, 3),
          ms(baseline.postgresCpuMs + baseline.clientCpuMs, 3),
          busy(baseline.machineBusy),
        ],
      );
      const batches = stageDelta.get('commit')?.count ?? 0;
      stages.rows.push([
        `${scenario.name}, ${scenario.clients} clients`,
        batches,
        fixed((result.ok * scenario.size) / Math.max(batches, 1), 1),
        ...STAGES.map((stage) => ((stageDelta.get(stage)?.mean ?? 0) * 1_000).toFixed(2)),
      ]);
    }
    printReport({
      bench: 'ledger',
      tables: [throughput, stages, cpu],
      notes: [
        'Goals: single transfers at 32 clients >= 2.0x with p99 < 50 ms; batches of 100 >= 10x at 4 clients, p99 < 300 ms at 32.',
        'Stages: queue is the oldest submission’s wait to leave in a batch; begin a pooled connection; load BEGIN, the account locks and the id lookup (one round trip); apply the posting engine; write the one statement and COMMIT (one round trip); commit the connection back to the pool.',
      ],
    });
  } finally {
    await ledger.stop();
    await pgbench.drop();
    await redis.clear();
  }
}

void main();
