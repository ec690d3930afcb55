import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, query, runAppScript, type TestDatabase } from '@meridian/testing';

const MIGRATIONS_DIR = join(__dirname, '..', 'prisma', 'migrations');
const migrationNames = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('db:migrate', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('ledger_migrate');
  });

  afterAll(async () => {
    await database.drop();
  });

  it('applies every migration to an empty database, and a second run changes nothing', async () => {
    const first = await runAppScript('ledger', 'migrate.js', { DATABASE_URL: database.url });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`applied ${migrationNames.length} migration(s)`);

    const before = await query(database.url, 'SELECT * FROM _prisma_migrations ORDER BY migration_name');
    const second = await runAppScript('ledger', 'migrate.js', { DATABASE_URL: database.url });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('database is up to date');
    expect(await query(database.url, 'SELECT * FROM _prisma_migrations ORDER BY migration_name')).toEqual(
      before,
    );
  });

  it('records migrations in _prisma_migrations exactly as `prisma migrate deploy` does', async () => {
    // Prisma's migration table: its columns and types, and per migration the
    // SHA-256 of migration.sql, a finish time, one applied step, no logs.
    const columns = await query<{ column_name: string; data_type: string }>(
      database.url,
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying' },
      { column_name: 'checksum', data_type: 'character varying' },
      { column_name: 'finished_at', data_type: 'timestamp with time zone' },
      { column_name: 'migration_name', data_type: 'character varying' },
      { column_name: 'logs', data_type: 'text' },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone' },
      { column_name: 'started_at', data_type: 'timestamp with time zone' },
      { column_name: 'applied_steps_count', data_type: 'integer' },
    ]);
    const rows = await query<Record<string, unknown>>(
      database.url,
      'SELECT * FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows).toEqual(
      migrationNames.map((name) => ({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        checksum: createHash('sha256')
          .update(readFileSync(join(MIGRATIONS_DIR, name, 'migration.sql')))
          .digest('hex'),
        finished_at: expect.any(Date),
        migration_name: name,
        logs: null,
        rolled_back_at: null,
        started_at: expect.any(Date),
        applied_steps_count: 1,
      })),
    );
  });

  it('has a migration for everything in schema.prisma', async () => {
    const result = await runAppScript('ledger', 'migrate.js', { DATABASE_URL: database.url }, ['check']);
    expect(result.stdout).toContain('schema.prisma and the migrations agree');
    expect(result.code).toBe(0);
  });

  it('fails with exit code 78 and names the variable when DATABASE_URL is missing', async () => {
    const result = await runAppScript('ledger', 'migrate.js', {});
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('DATABASE_URL: is required');
  });
});
