import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { createRedisNamespace, startWithDatabase } from '@meridian/testing';
import { Pgbench } from './pgbench';
import { randomTransfer, startBenchLedger } from './lib/ledger-fixture';
import { load, type LoadResult } from './lib/load';
import { cpuMsPerRequest, processUsage } from './lib/process-usage';
import { fixed, ms, printReport, ratio, type ResultTable } from './lib/report';

/**
 * `npm run bench:api`: the public api end to end (api -> ledger ->
 * PostgreSQL, Redis for idempotency and rate limits) beside the ledger
 * called directly and pgbench on the same PostgreSQL, in one run:
 *   - single transfers at 32 connections, each with its own Idempotency-Key,
 *   - batches of 100 at 4 connections,
 *   - idempotent replays (a key and body already answered) at a fixed rate,
 *   - the latency the api adds: both at the same fixed rate, half the
 *     ledger's top single-transfer rate, p50 against p50,
 *   - the api's physical baseline: a bare gateway (bare-gateway.ts) doing the
 *     least a single transfer needs, Fastify with no framework or telemetry,
 * printing throughput, latency, each process's CPU per request (from /proc)
 * and the ratios. One tenant sends everything, so its in-flight cap and rate
 * limit are raised out of the way; the figures are the api's own cost.
 *
 * DURATION (seconds per run, default 15) and ACCOUNTS (default 1000) tune it.
 */

const DURATION = Number(process.env.DURATION ?? 15);
const ACCOUNTS = Number(process.env.ACCOUNTS ?? 1_000);
const TENANT = 'bench';
const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`;
/** Keys and bodies of the first single transfers, sent again as replays. */
const REPLAY_POOL = 1_000;

interface Measured {
  result: LoadResult;
  /** CPU per request of whichever gateway answered (the api or the bare one). */
  apiCpuMs: number | null;
  ledgerCpuMs: number;
}

async function main(): Promise<void> {
  const pgbench = await Pgbench.prepare(DURATION);
  const redis = createRedisNamespace('bench_api');
  process.stdout.write(`preparing: ledger with ${ACCOUNTS} accounts, api\n`);
  const ledger = await startBenchLedger({ redis, tenant: TENANT, accounts: ACCOUNTS });
  const api = await startWithDatabase('api', 'bench_api', {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: redis.prefix,
    LEDGER_URL: ledger.service.url,
    LEDGER_TOKEN: ledger.token,
    // Settlement is not called by these runs; the api still requires its token.
    SETTLEMENT_TOKEN: `bench-settlement-${randomBytes(16).toString('hex')}`,
    ADMIN_TOKEN,
    RATE_LIMIT_REQUESTS: '1000000',
    TENANT_MAX_IN_FLIGHT: '256',
    IDEMPOTENCY_TENANT_BUDGET_BYTES: String(16 * 1_073_741_824),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DELAY_MS: '0',
    ...(process.env.API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.API_NODE_OPTIONS } : {}),
  });
  let bare: { pid: number; url: string; stop(): Promise<void> } | undefined;
  try {
    const apiKey = await createTenantKey(api.service.managementUrl);
    bare = await startBareGateway({
      BARE_LEDGER_URL: ledger.service.url,
      BARE_LEDGER_TOKEN: ledger.token,
      BARE_API_KEY: apiKey,
      BARE_TENANT: TENANT,
      BARE_REDIS_URL: redis.url,
      BARE_REDIS_PREFIX: `${redis.prefix}bare:`,
    });
    const bareGateway = bare;
    const run = randomBytes(4).toString('hex');
    let sequence = 0;
    const replays: { key: string; body: string }[] = [];

    const measure = async (
      target: 'api' | 'ledger' | 'bare',
      options: { connections: number; size: number; rate?: number; replay?: boolean },
    ): Promise<Measured> => {
      process.stdout.write(
        `${target}: ${options.replay ? 'replays' : options.size === 1 ? 'single transfers' : `batches of ${options.size}`}, ` +
          `${options.connections} connections${options.rate ? ` at ${options.rate}/s` : ''}, ${DURATION} s\n`,
      );
      const gatewayPid = target === 'bare' ? bareGateway.pid : api.service.pid;
      const apiBefore = processUsage(gatewayPid);
      const ledgerBefore = processUsage(ledger.service.pid);
      let replayIndex = 0;
      const result = await load({
        url:
          target === 'ledger'
            ? `${ledger.service.url}/v1/tenants/${TENANT}/transfers`
            : `${target === 'bare' ? bareGateway.url : api.service.url}/v1/transfers${options.size > 1 ? '/batch' : ''}`,
        connections: options.connections,
        durationSeconds: DURATION,
        headers: { authorization: `Bearer ${target === 'ledger' ? ledger.token : apiKey}` },
        ...(options.rate ? { overallRate: options.rate } : {}),
        next: () => {
          if (options.replay) {
            const replay = replays[replayIndex++ % replays.length]!;
            return { body: replay.body, headers: { 'idempotency-key': replay.key } };
          }
          const transfers = Array.from({ length: options.size }, () =>
            randomTransfer(`${run}-${sequence++}`, ACCOUNTS),
          );
          const key = `${run}-k${sequence}`;
          if (target === 'ledger') return { body: JSON.stringify({ transfers }) };
          const body = JSON.stringify(options.size === 1 ? transfers[0] : { transfers });
          if (options.size === 1 && replays.length < REPLAY_POOL) replays.push({ key, body });
          return { body, headers: { 'idempotency-key': key } };
        },
      });
      return {
        result,
        apiCpuMs:
          target === 'ledger' ? null : cpuMsPerRequest(apiBefore, processUsage(gatewayPid), result.ok),
        ledgerCpuMs: cpuMsPerRequest(ledgerBefore, processUsage(ledger.service.pid), result.ok),
      };
    };

    const ledgerSingle = await measure('ledger', { connections: 32, size: 1 });
    const apiSingle = await measure('api', { connections: 32, size: 1 });
    const bareSingle = await measure('bare', { connections: 32, size: 1 });
    const ledgerBatch = await measure('ledger', { connections: 4, size: 100 });
    const apiBatch = await measure('api', { connections: 4, size: 100 });
    const rate = Math.max(10, Math.round(ledgerSingle.result.requestsPerSecond / 2 / 10) * 10);
    const apiReplay = await measure('api', { connections: 32, size: 1, replay: true, rate });
    const ledgerAtRate = await measure('ledger', { connections: 32, size: 1, rate });
    const apiAtRate = await measure('api', { connections: 32, size: 1, rate });
    const pgbench32 = pgbench.tps(32);
    const pgbench4 = pgbench.tps(4);

    const row = (name: string, connections: number, size: number, m: Measured, baseline: number | null) => [
      name,
      connections,
      fixed(m.result.requestsPerSecond * size),
      ms(m.result.p50),
      ms(m.result.p99),
      m.apiCpuMs === null ? '–' : ms(m.apiCpuMs, 2),
      ms(m.ledgerCpuMs, 2),
      baseline === null ? '–' : ratio((m.result.requestsPerSecond * size) / baseline),
      m.result.errors,
    ];
    const throughput: ResultTable = {
      title: `api end to end vs the ledger direct vs pgbench (${DURATION} s per run, ${ACCOUNTS} accounts, one tenant)`,
      columns: [
        'run',
        'connections',
        'transfers/s',
        'p50',
        'p99',
        'api CPU/request',
        'ledger CPU/request',
        'vs pgbench',
        'errors',
      ],
      rows: [
        row('ledger direct, single', 32, 1, ledgerSingle, pgbench32),
        row('api, single', 32, 1, apiSingle, pgbench32),
        row('bare gateway, single', 32, 1, bareSingle, pgbench32),
        row('ledger direct, batches of 100', 4, 100, ledgerBatch, pgbench4),
        row('api, batches of 100', 4, 100, apiBatch, pgbench4),
        row(`api, replays at ${rate}/s`, 32, 1, apiReplay, null),
        row(`ledger direct, single at ${rate}/s`, 32, 1, ledgerAtRate, null),
        row(`api, single at ${rate}/s`, 32, 1, apiAtRate, null),
      ],
    };
    const ratios: ResultTable = {
      title: 'Ratios',
      columns: ['what', 'value', 'goal'],
      rows: [
        ['api CPU per single transfer', ms(apiSingle.apiCpuMs ?? 0, 2), '<= 0.3 ms'],
        [
          'api CPU / bare gateway CPU, single',
          ratio((apiSingle.apiCpuMs ?? 0) / (bareSingle.apiCpuMs ?? 1)),
          'report',
        ],
        [
          `latency the api adds, p50 at ${rate}/s`,
          ms(apiAtRate.result.p50 - ledgerAtRate.result.p50),
          '<= 2 ms',
        ],
        [
          'api / ledger direct throughput, single',
          ratio(apiSingle.result.requestsPerSecond / ledgerSingle.result.requestsPerSecond),
          'report',
        ],
        [
          'api / ledger direct throughput, batches',
          ratio(apiBatch.result.requestsPerSecond / ledgerBatch.result.requestsPerSecond),
          'report',
        ],
        [`idempotent replay p50 at ${rate}/s`, ms(apiReplay.result.p50), '<= 2 ms'],
        ['pgbench TPS at 32 / 4 clients', `${fixed(pgbench32)} / ${fixed(pgbench4)}`, 'baseline'],
      ],
    };
    printReport({
      bench: 'api',
      tables: [throughput, ratios],
      notes: [
        'The bare gateway is the api physical baseline: Fastify, a key looked up in memory, one Redis script for the rate limit and the claim, the ledger call, one Redis write; no framework, telemetry or logs.',
        'CPU per request is user + system time of the process (/proc/<pid>/stat) over the run, divided by the 2xx answers.',
        'autocannon reports latency in whole milliseconds; differences under 1 ms read as 0 or 1.',
      ],
    });
  } finally {
    await bare?.stop();
    await api.stop();
    await ledger.stop();
    await pgbench.drop();
    await redis.clear();
  }
}

/** Forks the bare gateway (its own process, so /proc gives its own CPU) and waits for its address. */
async function startBareGateway(env: Record<string, string>) {
  const child = fork(join(__dirname, 'bare-gateway.js'), { env: { ...process.env, ...env } });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`bare gateway exited with ${String(code)} before listening`);
    }),
  ])) as [{ url: string }];
  return {
    pid: child.pid!,
    url: message.url,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function createTenantKey(adminUrl: string): Promise<string> {
  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${adminUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { token?: string };
  };
  await admin('/admin/tenants', { id: TENANT, name: 'Benchmark' });
  const key = await admin(`/admin/tenants/${TENANT}/keys`, { name: 'bench', scopes: ['read', 'write'] });
  return key.token!;
}

void main();
