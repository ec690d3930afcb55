import { createTestDatabase, migrate, query, TcpProxy, type TestDatabase } from '@meridian/testing';
import { Pool } from 'pg';
import { isRetryable, sqlState } from '../../src/application/database-errors';
import { noEffects } from '../../src/domain/posting';
import type { Transfer } from '../../src/domain/transfer';
import { PgLedgerStore, PostingConnectionLost } from '../../src/infrastructure/persistence/pg-ledger-store';
import type { PrismaService } from '../../src/infrastructure/persistence/prisma.service';

const NO_KEYS = { transferIds: [], pendingIds: [], accounts: [] };
const nothing = noEffects();

/** A posted transfer as the engine hands it to the store (the store checks no account). */
const postedTransfer = (tenantId: string, id: string): Transfer => ({
  tenantId,
  id,
  kind: 'posted',
  debitAccountId: 'from',
  creditTenantId: tenantId,
  creditAccountId: 'to',
  amount: 1n,
  currency: 'EUR',
  code: 1,
  metadata: {},
  linked: false,
  pendingId: null,
  timeoutSeconds: null,
  createdAt: new Date(),
});

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
    store = new PgLedgerStore({ pool } as unknown as PrismaService, { LEDGER_PARTITIONS: 8 });
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

  it('rolls back a write the server refuses: answers its SQLSTATE, keeps nothing, frees the locks and the connection', async () => {
    await pool.query(
      `INSERT INTO accounts (tenant_id, id, currency, code, debits_must_not_exceed_credits, credits_must_not_exceed_debits)
       VALUES ('acme', 'held', 'EUR', 1, false, false)`,
    );
    const tooLong = { tenantId: 'acme', id: 'refused-2', result: 'x'.repeat(65) as 'exceeds_credits' };
    const error = await store
      .inTransaction(async (tx) => {
        await tx.load({ ...NO_KEYS, accounts: [{ tenantId: 'acme', accountId: 'held' }] });
        await tx.write(
          {
            ...nothing,
            failures: [{ tenantId: 'acme', id: 'kept-out', result: 'exceeds_credits' }, tooLong],
          },
          () => null,
        );
      })
      .catch((e: unknown) => e);
    expect(sqlState(error)).toBe('22001'); // string_data_right_truncation
    expect(isRetryable(error)).toBe(false);
    const { rows } = await pool.query(`SELECT id FROM failed_transfers WHERE id = 'kept-out'`);
    expect(rows).toEqual([]);
    // Another session can lock the account at once: the transaction that locked it has ended.
    await expect(
      query(
        database.url,
        `SELECT id FROM accounts WHERE tenant_id = 'acme' AND id = 'held' FOR UPDATE NOWAIT`,
      ),
    ).resolves.toEqual([{ id: 'held' }]);
    expect(pool.totalCount).toBeGreaterThan(0);
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it('stores and finds ids made of quotes, backslashes, SQL and unicode exactly as sent', async () => {
    const ids = [
      "o'brien",
      "'; DROP TABLE accounts; --",
      '\\x27 \\ \\\\',
      "E'\\n'",
      '$1 $$ $tag$',
      'naïve 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202e\u2028 👩‍👩‍👧',
    ].map((id, i) => `${i}:${id}`);
    await store.inTransaction(async (tx) => {
      await tx.load({ ...NO_KEYS, accounts: ids.map((accountId) => ({ tenantId: "t'1", accountId })) });
      await tx.write(
        {
          ...nothing,
          failures: ids.map((id) => ({ tenantId: "t'1", id, result: 'exceeds_credits' as const })),
        },
        () => null,
      );
    });
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM failed_transfers WHERE tenant_id = $1 ORDER BY id`,
      ["t'1"],
    );
    expect(rows.map((row) => row.id)).toEqual([...ids].sort());
    const state = await store.inTransaction((tx) =>
      tx.load({ ...NO_KEYS, transferIds: ids.map((id) => ({ tenantId: "t'1", id })) }),
    );
    expect([...state.failures.keys()].length).toBe(ids.length);
    expect(await query(database.url, `SELECT to_regclass('accounts') IS NOT NULL AS kept`)).toEqual([
      { kept: true },
    ]);
  });

  it('stores metadata made of quotes, backslashes and SQL exactly as a tenant sent it', async () => {
    const metadata = { note: "o'brien \\' E'\\n' \"x\" '); DROP TABLE transfers; --", path: 'C:\\dir\\' };
    await store.inTransaction(async (tx) => {
      await tx.load({ ...NO_KEYS, transferIds: [{ tenantId: 'acme', id: 'noted' }] });
      await tx.write(
        { ...nothing, transfers: [{ ...postedTransfer('acme', 'noted'), metadata }] },
        () => null,
      );
    });
    expect(await query(database.url, `SELECT metadata FROM transfers WHERE id = 'noted'`)).toEqual([
      { metadata },
    ]);
  });

  it('talks UTF8 on every connection, where quoted literals are safe, even when the database asks for SJIS', async () => {
    // In SJIS a multibyte character can end in a backslash byte and undo a quote; node-postgres names
    // UTF8 in every startup message, which outranks database and role settings.
    const sjis = await createTestDatabase('ledger_sjis');
    try {
      await query(sjis.url, `ALTER DATABASE "${sjis.name}" SET client_encoding = 'SJIS'`);
      const settings = await query(
        sjis.url,
        `SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = $1`,
        [sjis.name],
      );
      expect(settings).toEqual([{ setconfig: ['client_encoding=SJIS'] }]);
      const sjisPool = new Pool({ connectionString: sjis.url, max: 1 });
      try {
        expect((await sjisPool.query('SHOW client_encoding')).rows).toEqual([{ client_encoding: 'UTF8' }]);
      } finally {
        await sjisPool.end();
      }
    } finally {
      await sjis.drop();
    }
  });

  it('posts a plain batch in two round trips: the locks with the id lookup, then the write with COMMIT', async () => {
    const sent: string[] = [];
    const counting = {
      pool: {
        connect: async () => {
          const client = await pool.connect();
          const query = client.query.bind(client);
          // Counted while the store holds the client; the pool may hand it out again later.
          client.query = ((config: string | { text: string }, ...rest: unknown[]) => {
            sent.push(typeof config === 'string' ? config : config.text);
            return (query as (...args: unknown[]) => unknown)(config, ...rest);
          }) as typeof client.query;
          const release = client.release.bind(client);
          client.release = (error?: Error | boolean) => {
            client.query = query;
            release(error);
          };
          return client;
        },
      },
    };
    await new PgLedgerStore(counting as unknown as PrismaService, { LEDGER_PARTITIONS: 8 }).inTransaction(
      async (tx) => {
        await tx.load({ ...NO_KEYS, transferIds: [{ tenantId: 'acme', id: 'two-trips' }] });
        await tx.write(
          { ...nothing, failures: [{ tenantId: 'acme', id: 'two-trips', result: 'exceeds_credits' }] },
          () => null,
        );
      },
    );
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^BEGIN;/);
    expect(sent[1]).toMatch(/;\nCOMMIT$/);
    const { rows } = await pool.query(`SELECT id FROM failed_transfers WHERE id = 'two-trips'`);
    expect(rows).toEqual([{ id: 'two-trips' }]);
  });

  it('refuses a statement after the write, which has committed the transaction', async () => {
    const error = await store
      .inTransaction(async (tx) => {
        await tx.write(
          { ...nothing, failures: [{ tenantId: 'acme', id: 'written-once', result: 'exceeds_credits' }] },
          () => null,
        );
        await tx.load(NO_KEYS);
      })
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/write is its last step/);
    const { rows } = await pool.query(`SELECT id FROM failed_transfers WHERE id = 'written-once'`);
    expect(rows).toEqual([{ id: 'written-once' }]);
  });

  it('gives an id one outcome when two transactions record it at once, one as posted and one as failed', async () => {
    // Two batches with the same id and disjoint accounts: neither waits for the other's locks, and each looks the
    // id up before the other has written it.
    const keys = { ...NO_KEYS, transferIds: [{ tenantId: 'acme', id: 'raced' }] };
    let loaded!: () => void;
    const firstLoaded = new Promise<void>((resolve) => (loaded = resolve));
    let proceed!: () => void;
    const secondDone = new Promise<void>((resolve) => (proceed = resolve));
    const failing = store
      .inTransaction(async (tx) => {
        const seen = await tx.load(keys);
        loaded();
        expect(seen.failures.size).toBe(0);
        await secondDone;
        await tx.write(
          { ...nothing, failures: [{ tenantId: 'acme', id: 'raced', result: 'exceeds_credits' }] },
          () => null,
        );
      })
      .catch((e: unknown) => e);
    await firstLoaded;
    await store.inTransaction(async (tx) => {
      expect((await tx.load(keys)).transfers.size).toBe(0);
      await tx.write({ ...nothing, transfers: [postedTransfer('acme', 'raced')] }, () => null);
    });
    proceed();
    const error = await failing;
    // The batch of the failed one is rerun (a unique violation is retryable), and its load finds the posted one.
    expect(sqlState(error)).toBe('23505');
    expect(isRetryable(error)).toBe(true);
    expect(await query(database.url, `SELECT id FROM transfers WHERE id = 'raced'`)).toEqual([
      { id: 'raced' },
    ]);
    expect(await query(database.url, `SELECT id FROM failed_transfers WHERE id = 'raced'`)).toEqual([]);
    const rerun = await store.inTransaction((tx) => tx.load(keys));
    expect([...rerun.transfers.keys()]).toHaveLength(1);
    expect(rerun.failures.size).toBe(0);
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
