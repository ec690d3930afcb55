import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisNamespace, createTestDatabase, migrate, ServiceProcess } from '@meridian/testing';

/**
 * `./meridian measure-startup`: for each app, the time from exec to the first
 * `/health/ready` 200, and its resident memory once idle. The first run of each
 * app starts with an empty compile cache (a new pod); the rest reuse it (a
 * restarted container). A script, not a test: the figures depend on the machine.
 */

const RUNS = Number(process.env.RUNS ?? 6);
const IDLE_MS = 2_000;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function measure(app: string, env: Record<string, string>) {
  const cacheDir = mkdtempSync(join(tmpdir(), `meridian-compile-cache-${app}-`));
  const starts: number[] = [];
  const rss: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const service = await ServiceProcess.start(app, {
        ...env,
        NODE_COMPILE_CACHE: cacheDir,
        SHUTDOWN_DELAY_MS: '0',
      });
      starts.push(await service.waitFor('/health/ready', 200, 30_000));
      await new Promise((r) => setTimeout(r, IDLE_MS));
      rss.push(rssMegabytes(service.pid));
      await service.stop();
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  return { app, first: starts[0]!, warm: median(starts.slice(1)), rss: median(rss) };
}

async function main(): Promise<void> {
  const database = await createTestDatabase('startup');
  const apiDatabase = await createTestDatabase('startup_api');
  const redis = createRedisNamespace('startup');
  const token = 'measure-startup-token-0123456789abcdef';
  try {
    await migrate('ledger', database.url);
    await migrate('api', apiDatabase.url);
    const results = [
      await measure('api', {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.prefix,
        LEDGER_SERVICE_TOKEN: token,
      }),
      await measure('ledger', {
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.prefix,
        LEDGER_SERVICE_TOKEN: token,
      }),
      await measure('settlement', {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.prefix,
        LEDGER_SERVICE_TOKEN: token,
      }),
    ];
    const lines = [
      `cold start to ready (exec -> first /health/ready 200) and idle RSS, ${RUNS} runs per app, Node ${process.version}`,
      '',
      'app         first run   warm (median)   idle RSS (median)',
      ...results.map(
        (r) =>
          `${r.app.padEnd(10)} ${`${r.first} ms`.padStart(9)}   ${`${r.warm} ms`.padStart(13)}   ${`${r.rss.toFixed(1)} MB`.padStart(17)}`,
      ),
      '',
      'goal: under 1000 ms and under 120 MB each',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await database.drop();
    await apiDatabase.drop();
    await redis.clear();
  }
}

void main();
