import { PrismaPg } from '@prisma/adapter-pg';
import type { ShutdownHooks, StartupTasks } from '@meridian/health';
import type { Pool } from 'pg';
import { readMigrations } from './migrations';
import { createPool } from './pool';

export interface PrismaDatabaseOptions {
  databaseUrl: string;
  poolMax: number;
  /** Names the connections in pg_stat_activity. */
  applicationName: string;
  /** The service's prisma/ folder, to know which migrations must be applied. */
  prismaDir: string;
  hooks: ShutdownHooks;
  startup: StartupTasks;
  onIdleError: (error: Error) => void;
}

export interface PrismaDatabase {
  /** Give this to the generated PrismaClient's constructor. */
  adapter: PrismaPg;
  pool: Pool;
  /** Registers the client's disconnect to run, with the pool's end, when shutdown closes resources. */
  closeWith(client: { $disconnect(): Promise<void> }): void;
}

/**
 * Everything a service's PrismaClient needs, wired to the lifecycle the same
 * way in every service: a pool we own (idle errors handled), a startup task
 * that waits until the database has every migration this build ships, and a
 * close hook.
 */
export function prismaDatabase(options: PrismaDatabaseOptions): PrismaDatabase {
  const pool = createPool({
    connectionString: options.databaseUrl,
    max: options.poolMax,
    applicationName: options.applicationName,
    onIdleError: options.onIdleError,
  });
  options.startup.add('database-migrated', () => assertMigrated(pool, options.prismaDir));
  return {
    adapter: new PrismaPg(pool),
    pool,
    closeWith: (client) =>
      options.hooks.onClose('postgres', async () => {
        await client.$disconnect();
        await pool.end();
      }),
  };
}

/** Serving against a database that lacks a migration would fail at random; startup waits until it has them all. */
async function assertMigrated(pool: Pool, prismaDir: string): Promise<void> {
  const expected = readMigrations({ prismaDir }).migrationDirectories.map((m) => m.path);
  const { rows } = await pool.query<{ migration_name: string }>(
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const applied = new Set(rows.map((r) => r.migration_name));
  const pending = expected.filter((name) => !applied.has(name));
  if (pending.length > 0) throw new Error(`database is missing migrations: ${pending.join(', ')}`);
}
