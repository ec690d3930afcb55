import { createTestDatabase, migrate, TcpProxy, type TestDatabase } from '@meridian/testing';
import { Pool } from 'pg';
import { isRetryable, sqlState } from '../../src/application/database-errors';
import { noEffects } from '../../src/domain/posting';
import { PgLedgerStore, PostingConnectionLost } from '../../src/infrastructure/persistence/pg-ledger-store';
import type { PrismaService } from '../../src/infrastructure/persistence/prisma.service';

const NO_KEYS = { transferIds: [], pendingIds: [], accounts: [] };
const nothing = noEffects();

describe('the posting transaction on its own pg connection', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let pool: Pool;
  let store: PgLedgerStore;

  beforeAll(async () => {
    database = await createTestDatabase('ledger_pg_store');
    await migrate('ledger', database.url);
    proxy = await TcpProxy.start(database.host, database.port);
    const url = new URL(database.url);
    url.host = `127.0.0.1:${proxy.port}`;
    pool = new Pool({ connectionString: url.toString(), max: 2 });
    pool.on('error', () => undefined); // a cut idle connection; the pool replaces it
    store = new PgLedgerStore({ pool } as unknown as PrismaService);
  });

  afterAll(async () => {
    await pool?.end();
    await proxy?.close();
    await database?.drop();
  });

  it('commits what the work wrote and answers what the work returned', async () => {
    const failure = { tenantId: 'acme', id: 'refused-1', result: 'exceeds_credits' as const };
    const answer = await store.inTransaction(async (tx) => {
      await tx.load(NO_KEYS);
      await tx.write({ ...nothing, failures: [failure] }, () => null);
      return 'done';
    });
    expect(answer).toBe('done');
    const { rows } = await pool.query('SELECT tenant_id, id, result FROM failed_transfers');
    expect(rows).toEqual([{ tenant_id: 'acme', id: 'refused-1', result: 'exceeds_credits' }]);
  });

  it('reads balances as exact bigints up to the int64 maximum, where a JavaScript number would round', async () => {
    const max = 2n ** 63n - 1n;
    await pool.query(
      `INSERT INTO accounts (tenant_id, id, currency, code, debits_must_not_exceed_credits,
                             credits_must_not_exceed_debits, credits_posted, debits_posted)
       VALUES ('acme', 'vault', 'EUR', 1, false, false, $1, $2)`,
      [max.toString(), (max - 1n).toString()],
    );
    const state = await store.inTransaction((tx) =>
      tx.load({ ...NO_KEYS, accounts: [{ tenantId: 'acme', accountId: 'vault' }] }),
    );
    const vault = [...state.accounts.values()][0]!;
    expect(vault.creditsPosted).toBe(max);
    expect(vault.debitsPosted).toBe(max - 1n);
    expect(vault.debitsPending).toBe(0n);
  });

  it('rolls back a statement the server refuses, answers its SQLSTATE unchanged and keeps the connection', async () => {
    const tooLong = { tenantId: 'acme', id: 'refused-2', result: 'x'.repeat(65) as 'exceeds_credits' };
    const error = await store
      .inTransaction(async (tx) => {
        await tx.write(
          { ...nothing, failures: [{ tenantId: 'acme', id: 'kept-out', result: 'exceeds_credits' }] },
          () => null,
        );
        await tx.write({ ...nothing, failures: [tooLong] }, () => null);
      })
      .catch((e: unknown) => e);
    expect(sqlState(error)).toBe('22001'); // string_data_right_truncation
    expect(isRetryable(error)).toBe(false);
    const { rows } = await pool.query(`SELECT id FROM failed_transfers WHERE id = 'kept-out'`);
    expect(rows).toEqual([]);
    expect(pool.totalCount).toBeGreaterThan(0);
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it('discards a connection cut under the transaction and reports it as a lost connection, which batches rerun', async () => {
    const before = pool.totalCount;
    const error = await store
      .inTransaction(async (tx) => {
        await tx.load(NO_KEYS);
        proxy.cutConnections();
        await tx.load(NO_KEYS);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostingConnectionLost);
    expect(isRetryable(error)).toBe(true);
    expect(pool.totalCount).toBeLessThan(before);
    // The next transaction opens a new connection and goes through.
    await expect(store.inTransaction(async (tx) => (await tx.load(NO_KEYS)).now)).resolves.toBeInstanceOf(
      Date,
    );
  });
});
