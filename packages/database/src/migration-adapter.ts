import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { Client, Pool } from 'pg';

/**
 * The pg driver adapter, made fit for the schema engine's migration work:
 *
 * - Introspection queries return PostgreSQL's internal one-byte `"char"` type
 *   (OID 18, e.g. pg_constraint.contype), which @prisma/adapter-pg 7.10
 *   rejects as an unsupported column type; those columns are read as text and
 *   declared as Character, the type the engine expects.
 * - The adapter's own shadow database is dropped while its pool still holds a
 *   connection, so the drop fails; ours closes the pool first and drops with
 *   FORCE, leaving nothing behind.
 *
 * Only migration tooling uses this; services use PrismaPg directly.
 */

const PG_INTERNAL_CHAR_OID = 18;
const PG_TEXT_OID = 25;
/** ColumnTypeEnum.Character of @prisma/driver-adapter-utils. */
const CHARACTER_COLUMN = 6;

interface Queryable {
  performIO(...args: unknown[]): Promise<{ fields: { dataTypeID: number }[] }>;
  queryRaw(...args: unknown[]): Promise<{ columnTypes: number[] }>;
  startTransaction?(...args: unknown[]): Promise<Queryable>;
  dispose?(): Promise<void>;
}

/**
 * Lets `"char"` columns through: the adapter reads them as text (which it
 * supports), and the result then declares them as Character, which is what
 * the engine's introspection expects.
 */
function readInternalChar<T>(queryable: T): T {
  const target = queryable as unknown as Queryable;
  const performIO = target.performIO.bind(target);
  const queryRaw = target.queryRaw.bind(target);
  let charColumns: number[] = [];
  target.performIO = async (...args) => {
    const result = await performIO(...args);
    charColumns = [];
    result.fields.forEach((field, index) => {
      if (field.dataTypeID === PG_INTERNAL_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        charColumns.push(index);
      }
    });
    return result;
  };
  target.queryRaw = async (...args) => {
    const result = await queryRaw(...args);
    for (const index of charColumns) result.columnTypes[index] = CHARACTER_COLUMN;
    return result;
  };
  if (target.startTransaction) {
    const startTransaction = target.startTransaction.bind(target);
    target.startTransaction = async (...args) => readInternalChar(await startTransaction(...args));
  }
  return queryable;
}

function withDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function execute(connectionString: string, sql: string): Promise<void> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The adapter factory, and `close()` to end its pool so the process can exit at once. */
export function migrationAdapter(connectionString: string) {
  const pool = new Pool({ connectionString, max: 2 });
  const main = new PrismaPg(pool);
  const factory = bindMigrationAwareSqlAdapterFactory({
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => readInternalChar(await main.connect()),
    connectToShadowDb: async () => {
      const shadow = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
      await execute(connectionString, `CREATE DATABASE "${shadow}"`);
      const adapter = readInternalChar(
        await new PrismaPg({ connectionString: withDatabase(connectionString, shadow) }).connect(),
      );
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await execute(connectionString, `DROP DATABASE IF EXISTS "${shadow}" WITH (FORCE)`);
      };
      return adapter;
    },
  });
  return { factory, close: () => pool.end() };
}
