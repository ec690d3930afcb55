import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRedisNamespace,
  migrate,
  ServiceProcess,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from '@meridian/testing';
import { processUsage } from '@meridian/bench/process-usage';
import { printReport } from '@meridian/bench/report';
import {
  databaseServicesOf,
  databaseUrl,
  dropDatabases,
  ensureDatabase,
  localStackSettings,
  serviceEnvironments,
  startOrderOf,
} from './local-stack';

/**
 * `./meridian measure-startup`: for each service of the registry, the time from
 * exec to the first `/health/ready` 200, and its resident memory once idle,
 * with the same environment as the local stack (on throwaway databases). The
 * first run of each app starts with an empty compile cache (a new pod); the
 * rest reuse it (a restarted container). A script, not a test: the figures
 * depend on the machine.
 */

const RUNS = Number(process.env.RUNS ?? 6);
const IDLE_MS = Number(process.env.IDLE_MS ?? 2_000);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function measure(app: string, env: Record<string, string>) {
  const cacheDir = mkdtempSync(join(tmpdir(), `meridian-compile-cache-${app}-`));
  const starts: number[] = [];
  const rss: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const { PORT: _port, MANAGEMENT_PORT: _managementPort, ...rest } = env;
      const service = await ServiceProcess.start(app, {
        ...rest,
        NODE_COMPILE_CACHE: cacheDir,
        LOG_LEVEL: 'warn',
      });
      starts.push(await service.waitFor('/health/ready', 200, 30_000));
      await new Promise((r) => setTimeout(r, IDLE_MS));
      rss.push(processUsage(service.pid).rssMegabytes);
      await service.stop();
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return {
    app,
    first: starts[0]!,
    warm: median(starts.length > 1 ? starts.slice(1) : starts),
    rss: median(rss),
  };
}

async function main(): Promise<void> {
  const redis = createRedisNamespace('startup');
  const settings = localStackSettings({
    MERIDIAN_POSTGRES_URL: TEST_DATABASE_URL,
    MERIDIAN_DATABASE_PREFIX: `meridian_startup_${randomBytes(4).toString('hex')}`,
    MERIDIAN_REDIS_URL: TEST_REDIS_URL,
    MERIDIAN_REDIS_KEY_PREFIX: redis.prefix,
  });
  const environments = serviceEnvironments(settings);
  try {
    for (const service of databaseServicesOf(settings)) {
      await ensureDatabase(settings, service);
      await migrate(service, databaseUrl(settings, service));
    }
    const results = [];
    for (const app of startOrderOf(settings)) results.push(await measure(app, environments[app]!));
    printReport({
      bench: 'startup',
      tables: [
        {
          title: `Cold start to ready (exec -> first /health/ready 200) and idle RSS, ${RUNS} runs per app`,
          columns: ['app', 'first run', 'warm (median)', 'idle RSS (median)'],
          rows: results.map((r) => [r.app, `${r.first} ms`, `${r.warm} ms`, `${r.rss.toFixed(1)} MB`]),
        },
      ],
      notes: ['Goal: under 1000 ms and under 120 MB each.'],
    });
  } finally {
    await dropDatabases(settings);
    await redis.clear();
  }
}

void main();
