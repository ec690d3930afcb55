import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, query, type TestDatabase } from '@meridian/testing';
import { applyMigrations, createMigration, pendingSchemaChange, readMigrations } from '../src';

const SCHEMA_V1 = `
generator client {
  provider = "prisma-client"
  output   = "./generated"
}
datasource db {
  provider = "postgresql"
}
model Widget {
  id   String @id
  name String
  @@map("widgets")
}
`;

const SCHEMA_V2 = SCHEMA_V1.replace('  name String\n', '  name String\n  size Int    @default(0)\n');

describe('offline Prisma migrations', () => {
  let database: TestDatabase;
  let shadowsBefore: unknown[];
  const shadowDatabases = () =>
    query(database.url, "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_shadow_%' ORDER BY 1");
  const prismaDir = mkdtempSync(join(tmpdir(), 'meridian-migrations-'));
  const project = { prismaDir };

  beforeAll(async () => {
    database = await createTestDatabase('database_pkg');
    writeFileSync(join(prismaDir, 'schema.prisma'), SCHEMA_V1);
    shadowsBefore = await shadowDatabases();
  });

  afterAll(async () => {
    await database.drop();
  });

  it('writes the first migration from the schema, then applies it', async () => {
    const folder = await createMigration(project, database.url, 'init', new Date('2026-01-02T03:04:05Z'));
    expect(folder).toBe(join(prismaDir, 'migrations', '20260102030405_init'));
    expect(readFileSync(join(folder!, 'migration.sql'), 'utf8')).toContain('CREATE TABLE "widgets"');
    expect(readFileSync(join(prismaDir, 'migrations', 'migration_lock.toml'), 'utf8')).toContain(
      'provider = "postgresql"',
    );

    expect(await applyMigrations(project, database.url)).toEqual(['20260102030405_init']);
    expect(await applyMigrations(project, database.url)).toEqual([]);
    await query(database.url, `INSERT INTO widgets (id, name) VALUES ('w1', 'first')`);
  });

  it('writes only the change for a later schema edit, and nothing when schema and migrations agree', async () => {
    expect(await pendingSchemaChange(project, database.url)).toBe('');
    writeFileSync(join(prismaDir, 'schema.prisma'), SCHEMA_V2);
    const folder = await createMigration(
      project,
      database.url,
      'widget_size',
      new Date('2026-01-03T00:00:00Z'),
    );
    const sql = readFileSync(join(folder!, 'migration.sql'), 'utf8');
    expect(sql).toContain('ALTER TABLE "widgets" ADD COLUMN     "size" INTEGER NOT NULL DEFAULT 0');
    expect(sql).not.toContain('CREATE TABLE');

    expect(await applyMigrations(project, database.url)).toEqual(['20260103000000_widget_size']);
    expect(await query(database.url, 'SELECT id, size FROM widgets')).toEqual([{ id: 'w1', size: 0 }]);
    expect(await createMigration(project, database.url, 'nothing')).toBeNull();
    expect(readMigrations(project).migrationDirectories.map((m) => m.path)).toEqual([
      '20260102030405_init',
      '20260103000000_widget_size',
    ]);
  });

  it('leaves no shadow database behind', async () => {
    expect(await shadowDatabases()).toEqual(shadowsBefore);
  });

  it('refuses a migration name that would make an odd folder', async () => {
    await expect(createMigration(project, database.url, '../escape')).rejects.toThrow('a-z, 0-9 and _');
    expect(readdirSync(join(prismaDir, 'migrations')).filter((n) => n.includes('escape'))).toEqual([]);
  });
});
