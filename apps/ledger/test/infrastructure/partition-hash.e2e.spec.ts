import { tenantPartition } from '@meridian/ledger-contract';
import {
  createTestDatabase,
  migrate,
  query,
  seeded,
  SeededRandom,
  type TestDatabase,
} from '@meridian/testing';

/** Tenant ids as clients may name them: letters, digits, ".", "_", ":" and "-", up to 64 characters. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-';

describe(seeded("a tenant's partition, in TypeScript and in SQL"), () => {
  const random = new SeededRandom();
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('ledger_partition_hash');
    await migrate('ledger', database.url);
  });

  afterAll(() => database?.drop());

  it('is the same in tenantPartition() and ledger_partition() for 2,000 random tenant ids and several partition counts, and spreads over every partition', async () => {
    const ids = Array.from({ length: 2_000 }, () =>
      Array.from(
        { length: random.int(1, 64) },
        (_, i) => ALPHABET[random.int(0, i === 0 ? 61 : ALPHABET.length - 1)],
      ).join(''),
    );
    for (const partitions of [1, 7, 64, 4_096]) {
      const rows = await query<{ id: string; partition: number }>(
        database.url,
        `SELECT id, ledger_partition(id, $2) AS partition FROM unnest($1::text[]) AS id`,
        [ids, partitions],
      );
      const mismatches = rows.filter((row) => row.partition !== tenantPartition(row.id, partitions));
      expect({ partitions, mismatches }).toEqual({ partitions, mismatches: [] });
      if (partitions <= 64) expect(new Set(rows.map((row) => row.partition)).size).toBe(partitions);
    }
  });
});
