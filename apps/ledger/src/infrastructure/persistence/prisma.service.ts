import { Injectable } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import type { LedgerConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { createPool, readMigrations } from '@meridian/database';
import { ShutdownHooks, StartupTasks } from '@meridian/health';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { PrismaClient } from '../../generated/prisma/client';
import { PRISMA_DIR, SERVICE_NAME } from '../../service-info';

/**
 * The ledger's Prisma Client, on the pg driver adapter over a pool we own (so
 * idle-connection errors are handled and the pool is closed in order).
 */
@Injectable()
export class PrismaService extends PrismaClient {
  constructor(
    @InjectConfig() config: LedgerConfig,
    @InjectLogger() logger: Logger,
    hooks: ShutdownHooks,
    startup: StartupTasks,
  ) {
    const pool = createPool({
      connectionString: config.DATABASE_URL,
      max: config.DATABASE_POOL_MAX,
      applicationName: SERVICE_NAME,
      onIdleError: (error) =>
        logger.warn({ err: error }, 'idle PostgreSQL connection failed; it will be replaced'),
    });
    super({ adapter: new PrismaPg(pool) });
    startup.add('postgres-schema', () => this.assertMigrated());
    hooks.onClose('postgres', async () => {
      await this.$disconnect();
      await pool.end();
    });
  }

  /** Serving against a database that lacks a migration would fail at random; wait until it is migrated. */
  private async assertMigrated(): Promise<void> {
    const expected = readMigrations({ prismaDir: PRISMA_DIR }).migrationDirectories.map((m) => m.path);
    const rows = await this.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    const applied = new Set(rows.map((r) => r.migration_name));
    const pending = expected.filter((name) => !applied.has(name));
    if (pending.length > 0) throw new Error(`database is missing migrations: ${pending.join(', ')}`);
  }
}
