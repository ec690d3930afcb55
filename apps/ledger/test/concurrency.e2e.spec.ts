import { SeededRandom, seeded } from '@meridian/testing';
import { concurrently, type LedgerClient, LedgerFixture } from './support/ledger-fixture';

/**
 * Correct under concurrency by construction: many clients at once against a
 * real ledger process and PostgreSQL, checking invariants rather than timings.
 */
describe(seeded('ledger under concurrency'), () => {
  const random = new SeededRandom();
  let ledger: LedgerFixture;
  let client: LedgerClient;

  beforeAll(async () => {
    ledger = await LedgerFixture.start('ledger_concurrency');
    client = ledger.client;
  });

  afterAll(() => ledger?.stop());

  const sumBalances = (accounts: { balances: Record<string, string> }[]) => {
    const total = { debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n };
    for (const { balances } of accounts) {
      for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += BigInt(balances[key]!);
    }
    return total;
  };

  it('bank test: concurrent random transfers keep debits equal to credits in every read, and limits hold', async () => {
    const tenant = 'bank';
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const limited = new Set(['a', 'b', 'c']);
    await client.createAccounts(tenant, [
      ...ids.map((id) => ({ id, currency: 'EUR', flags: { debitsMustNotExceedCredits: limited.has(id) } })),
      { id: 'mint', currency: 'EUR' },
    ]);
    await client.transfers(
      tenant,
      [...limited].map((id) => ({
        id: `seed-${id}`,
        debitAccountId: 'mint',
        creditAccountId: id,
        amount: '2000',
        currency: 'EUR',
      })),
    );

    let writing = true;
    const violations: string[] = [];
    const reads = { count: 0 };
    const reader = async () => {
      while (writing) {
        const { body } = await client.accounts(tenant);
        reads.count++;
        const total = sumBalances(body.data);
        if (total.debitsPosted !== total.creditsPosted || total.debitsPending !== total.creditsPending) {
          violations.push(
            `unbalanced read: ${JSON.stringify(total, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
          );
        }
        for (const account of body.data as { id: string; balances: Record<string, string> }[]) {
          const b = account.balances;
          if (
            limited.has(account.id) &&
            BigInt(b.debitsPending!) + BigInt(b.debitsPosted!) > BigInt(b.creditsPosted!)
          ) {
            violations.push(`limit broken on ${account.id}`);
          }
        }
      }
    };
    const writer = async (w: number) => {
      const outcomes: Record<string, number> = {};
      for (let i = 0; i < 40; i++) {
        const debit = random.pick(ids);
        let credit = random.pick(ids);
        if (credit === debit) credit = 'mint';
        const pending = random.chance(0.25);
        const id = `w${w}-${i}`;
        const result = await client.transfer(tenant, {
          id,
          debitAccountId: debit,
          creditAccountId: credit,
          amount: String(random.int(1, 400)),
          currency: 'EUR',
          ...(pending ? { flags: { pending: true } } : {}),
        });
        outcomes[result] = (outcomes[result] ?? 0) + 1;
        if (pending && result === 'created') {
          const resolve = random.chance(0.5) ? 'post' : 'void';
          await client.request('POST', `/v1/tenants/${tenant}/transfers/${id}/${resolve}`, {
            id: `${id}-${resolve}`,
          });
        }
      }
      return outcomes;
    };
    const readers = concurrently(3, reader);
    const outcomes = await concurrently(16, writer);
    writing = false;
    await readers;

    expect(violations).toEqual([]);
    expect(reads.count).toBeGreaterThan(10);
    const results = outcomes.flatMap((o) => Object.keys(o));
    expect(new Set(results)).toEqual(
      new Set(results.filter((r) => ['created', 'exceeds_credits'].includes(r))),
    );
    expect(results).toContain('created');

    // Each balance equals what its transfers say.
    const derived = await ledger.sql<{
      id: string;
      debits_posted: string;
      credits_posted: string;
      debits_pending: string;
      credits_pending: string;
    }>(
      `WITH effects AS (
         SELECT debit_account_id AS id, amount AS d_posted, 0::bigint AS c_posted, 0::bigint AS d_pending, 0::bigint AS c_pending
           FROM transfers WHERE tenant_id = $1 AND kind IN ('posted', 'post_pending')
         UNION ALL
         SELECT credit_account_id, 0, amount, 0, 0 FROM transfers WHERE credit_tenant_id = $1 AND kind IN ('posted', 'post_pending')
         UNION ALL
         SELECT t.debit_account_id, 0, 0, t.amount, 0 FROM transfers t JOIN pending_transfers p
             ON p.tenant_id = t.tenant_id AND p.transfer_id = t.id AND p.state = 'pending' WHERE t.tenant_id = $1
         UNION ALL
         SELECT t.credit_account_id, 0, 0, 0, t.amount FROM transfers t JOIN pending_transfers p
             ON p.tenant_id = t.tenant_id AND p.transfer_id = t.id AND p.state = 'pending' WHERE t.tenant_id = $1)
       SELECT a.id, a.debits_posted::text, a.credits_posted::text, a.debits_pending::text, a.credits_pending::text,
              coalesce(sum(e.d_posted), 0)::text AS sum_debits_posted, coalesce(sum(e.c_posted), 0)::text AS sum_credits_posted,
              coalesce(sum(e.d_pending), 0)::text AS sum_debits_pending, coalesce(sum(e.c_pending), 0)::text AS sum_credits_pending
         FROM accounts a LEFT JOIN effects e ON e.id = a.id
        WHERE a.tenant_id = $1 GROUP BY a.tenant_id, a.id ORDER BY a.id`,
      [tenant],
    );
    for (const row of derived as Record<string, string>[]) {
      expect([
        row.id,
        row.debits_posted,
        row.credits_posted,
        row.debits_pending,
        row.credits_pending,
      ]).toEqual([
        row.id,
        row.sum_debits_posted,
        row.sum_credits_posted,
        row.sum_debits_pending,
        row.sum_credits_pending,
      ]);
    }
  });

  it('one transfer id submitted 50 times at once makes exactly one transfer', async () => {
    await client.createAccounts('dup', [
      { id: 'x', currency: 'EUR' },
      { id: 'y', currency: 'EUR' },
    ]);
    const transfer = { id: 'once', debitAccountId: 'x', creditAccountId: 'y', amount: '42', currency: 'EUR' };
    const results = await concurrently(50, () => client.transfer('dup', transfer));
    expect(results.filter((r) => r === 'created')).toHaveLength(1);
    expect(results.filter((r) => r === 'exists')).toHaveLength(49);
    expect(await ledger.sql(`SELECT id FROM transfers WHERE tenant_id = 'dup'`)).toEqual([{ id: 'once' }]);
    expect((await client.account('dup', 'y')).body.balances.creditsPosted).toBe('42');
  });

  it('six concurrent debits of 1000 against 5000 with debitsMustNotExceedCredits: exactly five succeed', async () => {
    await client.createAccounts('limit', [
      { id: 'funding', currency: 'EUR' },
      { id: 'wallet', currency: 'EUR', flags: { debitsMustNotExceedCredits: true } },
      { id: 'shop', currency: 'EUR' },
    ]);
    await client.transfer('limit', {
      id: 'fund',
      debitAccountId: 'funding',
      creditAccountId: 'wallet',
      amount: '5000',
      currency: 'EUR',
    });
    const results = await concurrently(6, (i) =>
      client.transfer('limit', {
        id: `spend-${i}`,
        debitAccountId: 'wallet',
        creditAccountId: 'shop',
        amount: '1000',
        currency: 'EUR',
      }),
    );
    expect(results.sort()).toEqual([
      'created',
      'created',
      'created',
      'created',
      'created',
      'exceeds_credits',
    ]);
    expect((await client.account('limit', 'wallet')).body.balances).toMatchObject({
      debitsPosted: '5000',
      creditsPosted: '5000',
    });
  });

  it('pending amounts count against the limit under concurrency too', async () => {
    await client.createAccounts('hold', [
      { id: 'funding', currency: 'EUR' },
      { id: 'card', currency: 'EUR', flags: { debitsMustNotExceedCredits: true } },
      { id: 'hotel', currency: 'EUR' },
    ]);
    await client.transfer('hold', {
      id: 'fund',
      debitAccountId: 'funding',
      creditAccountId: 'card',
      amount: '5000',
      currency: 'EUR',
    });
    const results = await concurrently(8, (i) =>
      client.transfer('hold', {
        id: `auth-${i}`,
        debitAccountId: 'card',
        creditAccountId: 'hotel',
        amount: '1000',
        currency: 'EUR',
        flags: { pending: i % 2 === 0 },
      }),
    );
    expect(results.filter((r) => r === 'created')).toHaveLength(5);
    const card = (await client.account('hold', 'card')).body.balances;
    expect(BigInt(card.debitsPending) + BigInt(card.debitsPosted)).toBe(5000n);
  });

  it('100 concurrent posts of one pending transfer resolve it exactly once', async () => {
    await client.createAccounts('twophase', [
      { id: 'p', currency: 'EUR' },
      { id: 'q', currency: 'EUR' },
    ]);
    await client.transfer('twophase', {
      id: 'hold',
      debitAccountId: 'p',
      creditAccountId: 'q',
      amount: '900',
      currency: 'EUR',
      flags: { pending: true },
    });
    const results = await concurrently(100, async (i) => {
      const kind = i % 3 === 0 ? 'void' : 'post';
      const reply = await client.request('POST', `/v1/tenants/twophase/transfers/hold/${kind}`, {
        id: `resolve-${i}`,
      });
      return reply.body.result as string;
    });
    expect(results.filter((r) => r === 'created')).toHaveLength(1);
    expect(new Set(results.filter((r) => r !== 'created')).size).toBe(1);
    const [resolutions] = await ledger.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM transfers WHERE tenant_id = 'twophase' AND pending_id = 'hold'`,
    );
    expect(resolutions?.n).toBe(1);
    expect((await client.account('twophase', 'p')).body.balances.debitsPending).toBe('0');
  });

  it('transfers A→B and B→A hammered at once never surface a deadlock', async () => {
    await client.createAccounts('cross', [
      { id: 'A', currency: 'EUR' },
      { id: 'B', currency: 'EUR' },
    ]);
    const results = await concurrently(24, async (w) => {
      const out: string[] = [];
      for (let i = 0; i < 15; i++) {
        const forward = (w + i) % 2 === 0;
        const reply = await client.transfers('cross', [
          {
            id: `x${w}-${i}`,
            debitAccountId: forward ? 'A' : 'B',
            creditAccountId: forward ? 'B' : 'A',
            amount: '3',
            currency: 'EUR',
          },
          {
            id: `y${w}-${i}`,
            debitAccountId: forward ? 'B' : 'A',
            creditAccountId: forward ? 'A' : 'B',
            amount: '1',
            currency: 'EUR',
          },
        ]);
        out.push(String(reply.status), ...reply.body.results.map((r: { result: string }) => r.result));
      }
      return out;
    });
    const flat = results.flat();
    expect(new Set(flat)).toEqual(new Set(['200', 'created']));
    const a = (await client.account('cross', 'A')).body.balances;
    const b = (await client.account('cross', 'B')).body.balances;
    expect(BigInt(a.debitsPosted) + BigInt(b.debitsPosted)).toBe(
      BigInt(a.creditsPosted) + BigInt(b.creditsPosted),
    );
    expect(BigInt(a.debitsPosted) + BigInt(b.debitsPosted)).toBe(24n * 15n * 4n);
  });
});
