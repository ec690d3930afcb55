import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runChaos } from './chaos-run';
import { PROFILES } from './profiles';
import { chaosTable } from './table';

/**
 * `./meridian chaos [--profile short|full] [--seed N]`: the chaos suite
 * against a throwaway local stack (its own databases and Redis prefix, free
 * ports). Prints a table per fault; exits 0 when no operation failed after
 * the client's retries, every SIGTERM exit was 0 and every audit passed.
 */
const say = (message: string) => process.stderr.write(`chaos      ${message}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string', default: 'short' },
      seed: { type: 'string' },
      'log-file': { type: 'string' },
    },
  });
  const profile = PROFILES[values.profile];
  if (!profile) {
    say(`no profile ${values.profile}; one of ${Object.keys(PROFILES).join(', ')}`);
    return 64;
  }
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  say(`profile ${values.profile}, seed ${seed} (--seed ${seed} replays the same choices)`);
  const result = await runChaos({
    profile,
    seed,
    postgresUrl: process.env.MERIDIAN_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.MERIDIAN_REDIS_URL ?? 'redis://127.0.0.1:6379',
    logFile: values['log-file'] ?? join(tmpdir(), `meridian-chaos-${seed}.log`),
    say,
  });
  const header =
    `Profile ${values.profile}: ${profile.replicas} replicas of each app, ${profile.rate} transfers/s ` +
    `(open model; 20% across tenants), seed ${seed}.`;
  process.stdout.write(`${chaosTable(result, header)}\n`);
  return result.passed ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    say(`failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 70;
  },
);
