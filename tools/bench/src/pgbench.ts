import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** pgbench from PATH, or from the PostgreSQL installation (Debian keeps it out of PATH). */
export function pgbenchPath(): string {
  for (const candidate of [
    '/usr/lib/postgresql/17/bin/pgbench',
    '/usr/lib/postgresql/16/bin/pgbench',
    '/usr/lib/postgresql/15/bin/pgbench',
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  return 'pgbench';
}

export interface PgbenchResult {
  clients: number;
  tps: number;
  latencyMs: number;
}

/**
 * The physical baseline: pgbench's TPC-B-like transaction (three UPDATEs, a
 * SELECT and an INSERT, committed with fsync) on the same server, at the same
 * client count as the run it is compared with.
 */
export function runPgbench(databaseUrl: string, clients: number, seconds: number): PgbenchResult {
  const output = execFileSync(
    pgbenchPath(),
    ['-c', String(clients), '-j', '2', '-T', String(seconds), '-M', 'prepared', '--no-vacuum', databaseUrl],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(output)?.[1]);
  return { clients, tps, latencyMs };
}

export function initPgbench(databaseUrl: string, scale: number): void {
  execFileSync(pgbenchPath(), ['-i', '-s', String(scale), '-q', databaseUrl], { stdio: 'ignore' });
}
