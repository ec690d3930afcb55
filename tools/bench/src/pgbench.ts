import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '@meridian/testing';
import { endedChildrenCpuSeconds, startCpuAccount } from './lib/process-usage';

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

/** A pgbench run: its rate, and what each transaction cost PostgreSQL and pgbench itself in CPU. */
export interface PgbenchRun {
  tps: number;
  postgresCpuMs: number;
  clientCpuMs: number;
  machineBusy: number;
}

/**
 * The physical baseline: pgbench's TPC-B-like transaction (three UPDATEs, a
 * SELECT and an INSERT, committed with fsync) on the same server, at the same
 * client count as the run it is compared with; measured once per client count.
 */
export class Pgbench {
  readonly #measured = new Map<number, PgbenchRun>();

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
    return this.run(clients).tps;
  }

  /** The run at this many clients (measured on first ask). */
  run(clients: number): PgbenchRun {
    let run = this.#measured.get(clients);
    if (run === undefined) {
      const cpu = startCpuAccount();
      const clientBefore = endedChildrenCpuSeconds();
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
      const account = cpu();
      const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
      const transactions = Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1]);
      run = {
        tps,
        postgresCpuMs: (account.postgresSeconds * 1_000) / transactions,
        clientCpuMs: ((endedChildrenCpuSeconds() - clientBefore) * 1_000) / transactions,
        machineBusy: account.machineBusy,
      };
      this.#measured.set(clients, run);
    }
    return run;
  }

  drop(): Promise<void> {
    return this.database.drop();
  }
}
