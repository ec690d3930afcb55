import { createTestDatabase, migrate, query, type TestDatabase } from '@meridian/testing';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { PrismaClient } from '../../src/generated/prisma/client';
import { PrismaInstructionStore } from '../../src/infrastructure/persistence/prisma-instruction-store';
import type { PrismaService } from '../../src/infrastructure/persistence/prisma.service';
import { waitFor } from '../support/settlement-stack';

const BATCH = 'batch-store-test';

/**
 * A round that waits for rows another round holds (a cut-off does) must take
 * what that round left due at once: a rollover makes an instruction due again
 * while its batch's cut-off is waiting for it.
 */
describe('due instructions, as a round that waits for locked rows sees them', () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  let store: PrismaInstructionStore;
  let holder: Client;

  beforeAll(async () => {
    database = await createTestDatabase('settlement_instruction_store');
    await migrate('settlement', database.url);
    prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    store = new PrismaInstructionStore(prisma as unknown as PrismaService);
    await sql(`INSERT INTO settlement_batches (id, state, cutoff_at) VALUES ($1, 'posting', now())`, [BATCH]);
  });

  beforeEach(async () => {
    await sql(`DELETE FROM settlement_instructions`);
    await sql(
      `INSERT INTO settlement_instructions
         (id, batch_id, payer_tenant_id, payee_tenant_id, currency, amount, state, transfer_id, next_attempt_at)
       VALUES ('i-1', $1, 'acme', 'globex', 'EUR', 700, 'pending', 'i-1', now())`,
      [BATCH],
    );
    holder = new Client({ connectionString: database.url });
    await holder.connect();
  });

  afterEach(async () => {
    await holder?.end();
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
  });

  const sql = (text: string, params: unknown[] = []) => query(database.url, text, params);

  /**
   * Starts a waiting round while `holder` holds i-1; resolves once the round is
   * blocked on it, with the round (boxed: an async function would await it).
   */
  async function roundBlockedOnHeldRow(): Promise<{ round: Promise<string[] | null> }> {
    await holder.query('BEGIN');
    await holder.query(`SELECT id FROM settlement_instructions WHERE id = 'i-1' FOR UPDATE`);
    const round = store.withDue({ batchId: BATCH, limit: 10, wait: true, timeoutMs: 30_000 }, (due) =>
      Promise.resolve(due.map((instruction) => instruction.transferId)),
    );
    await waitFor('the round to wait for the held row', async () => {
      const [row] = await query<{ waiting: number }>(
        database.url,
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = $1 AND wait_event_type = 'Lock'`,
        [database.name],
      );
      return row!.waiting > 0;
    });
    return { round };
  }

  it('takes a row its holder made due at once (a rollover) after the round began', async () => {
    const { round } = await roundBlockedOnHeldRow();
    await holder.query(
      `UPDATE settlement_instructions SET transfer_id = 'i-1-g1', generation = 1, next_attempt_at = clock_timestamp()
        WHERE id = 'i-1'`,
    );
    await holder.query('COMMIT');
    expect(await round).toEqual(['i-1-g1']);
  });

  it('passes over a row its holder posted', async () => {
    const { round } = await roundBlockedOnHeldRow();
    await holder.query(
      `UPDATE settlement_instructions SET state = 'posted', posted_at = clock_timestamp(), next_attempt_at = NULL WHERE id = 'i-1'`,
    );
    await holder.query('COMMIT');
    expect(await round).toBeNull();
  });

  it('passes over a row its holder scheduled for later (a backoff)', async () => {
    const { round } = await roundBlockedOnHeldRow();
    await holder.query(
      `UPDATE settlement_instructions SET next_attempt_at = clock_timestamp() + interval '1 minute'
        WHERE id = 'i-1'`,
    );
    await holder.query('COMMIT');
    expect(await round).toBeNull();
  });
});
