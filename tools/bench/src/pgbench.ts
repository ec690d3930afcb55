import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '@meridian/testing';

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

/**
 * The physical baseline: pgbench's TPC-B-like transaction (three UPDATEs, a
 * SELECT and an INSERT, committed with fsync) on the same server, at the same
 * client count as the run it is compared with; measured once per client count.
 */
export class Pgbench {
  readonly #measured = new Map<number, number>();

  private constructor(
    private readonly database: TestDatabase,
    private readonly seconds: number,
  ) {}

  /** A throwaway database initialised at scale 10. */
  static async prepare(seconds: number): Promise<Pgbench> {
    const database = await createTestDatabase('bench_pgbench');
    process.stdout.write('preparing: pgbench -i -s 10\n');
    execFileSync(pgbenchPath(), ['-i', '-s', '10', '-q', database.url], { stdio: 'ignore' });
    return new Pgbench(database, seconds);
  }

  /** Transactions per second at this many clients. */
  tps(clients: number): number {
    let tps = this.#measured.get(clients);
    if (tps === undefined) {
      process.stdout.write(`pgbench tpcb-like, ${clients} clients, ${this.seconds} s\n`);
      const output = execFileSync(
        pgbenchPath(),
        [
          '-c',
          String(clients),
          '-j',
          '2',
          '-T',
          String(this.seconds),
          '-M',
          'prepared',
          '--no-vacuum',
          this.database.url,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
      this.#measured.set(clients, tps);
    }
    return tps;
  }

  drop(): Promise<void> {
    return this.database.drop();
  }
}
