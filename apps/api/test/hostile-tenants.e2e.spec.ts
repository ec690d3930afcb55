import { randomUUID } from 'node:crypto';
import { query, type ServiceProcess } from '@meridian/testing';
import { Redis } from 'ioredis';
import { ApiStack, request, type TenantClient } from './support/api-fixture';
import { SettlementDriver } from './support/settlement-driver';

const problem = (type: string) => expect.objectContaining({ type: `https://meridian.dev/problems/${type}` });
const MAX = 2n ** 63n - 1n;
const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

/**
 * One hostile tenant (mallory, with an accomplice) against a victim (victor),
 * each with nothing but its own API key, through real api, ledger and
 * settlement processes. Every case asserts what the victim still gets.
 */
describe('hostile tenants: what the victim still gets', () => {
  let stack: ApiStack;
  let mallory: TenantClient;
  let accomplice: TenantClient;
  let victor: TenantClient;
  let settlement: SettlementDriver;

  /** A transfer of the victim's that must succeed whatever the others do. */
  const victimPays = async (amount = '1') => {
    const reply = await victor.post('/v1/transfers', {
      debitAccountId: 'wallet',
      creditAccountId: 'shop',
      amount,
      currency: 'EUR',
    });
    expect([reply.status, reply.body.type]).toEqual([201, undefined]);
    return reply;
  };

  const balancesOf = async (client: TenantClient, id: string) =>
    (await client.get(`/v1/accounts/${id}`)).body.balances;

  beforeAll(async () => {
    stack = await ApiStack.start(
      'api_hostile',
      // A breaker that opens at the third failure in a row: a 400 counted as one would show.
      { LEDGER_BREAKER_MIN_RPS: '1', LEDGER_BREAKER_WINDOW_MS: '3000' },
      {
        settlement: true,
        ledgerEnv: { LEDGER_MAX_EXTERNAL_PENDING_SECONDS: '4', LEDGER_EXPIRY_INTERVAL_MS: '100' },
      },
    );
    settlement = new SettlementDriver(stack);
    [mallory, accomplice, victor] = [
      await stack.tenant('mallory'),
      await stack.tenant('accomplice'),
      await stack.tenant('victor'),
    ];
    await victor.account('wallet', { flags: { debitsMustNotExceedCredits: true } });
    await victor.account('shop');
    await victor.account('inbox', { flags: { acceptsExternalCredits: true } });
    await victor.fund('wallet', '1000000');
    await mallory.account('unlimited');
    await mallory.account('unlimited-2');
    await mallory.account('reserve');
    await accomplice.account('inbox', { flags: { acceptsExternalCredits: true } });
    await accomplice.account('spare');
  });

  afterAll(() => stack?.stop());

  it("refuses the platform's settlement account id to a tenant, and a tenant's own settlement-EUR changes nothing: the next cut-off settles every pair", async () => {
    const squat = await mallory.post('/v1/accounts', { id: '_settlement-EUR', currency: 'EUR' });
    expect([squat.status, squat.body.errors?.[0]?.field]).toEqual([400, 'id']);
    expect((await mallory.post('/v1/accounts', { id: 'settlement-EUR', currency: 'USD' })).status).toBe(201);
    for (const [payer, payee, amount] of [
      [mallory, accomplice, '300'],
      [victor, accomplice, '200'],
      [accomplice, victor, '50'],
    ] as const) {
      const debit = payer === victor ? 'wallet' : payer === mallory ? 'unlimited' : 'inbox';
      const pay = await payer.post('/v1/transfers', {
        debitAccountId: debit,
        creditTenantId: payee.tenantId,
        creditAccountId: 'inbox',
        amount,
        currency: 'EUR',
      });
      expect(pay.status).toBe(201);
    }
    await settlement.waitForObligations(3);
    const batchId = await settlement.cutoff();
    const mine = await victor.get(`/v1/settlements/${batchId!}`);
    expect(mine.body.state).toBe('completed');
    expect(mine.body.positions).toEqual([{ tenantId: 'victor', currency: 'EUR', net: '-150' }]);
    expect(mine.body.instructions).toEqual([
      expect.objectContaining({
        payerTenantId: 'victor',
        payeeTenantId: 'accomplice',
        amount: '150',
        state: 'posted',
      }),
    ]);
  });

  it("answers a cursor beyond BIGINT with 400, and after many of them the victim's transfers still succeed (the breaker stays closed)", async () => {
    for (let i = 0; i < 10; i++) {
      for (const path of ['/v1/accounts', '/v1/accounts/unlimited/transfers']) {
        const reply = await mallory.get(`${path}?cursor=${cursorOf('s9999999999999999999')}`);
        expect([reply.status, reply.body.type]).toEqual([
          400,
          'https://meridian.dev/problems/validation-failed',
        ]);
      }
    }
    await victimPays();
  });

  it("answers metadata PostgreSQL cannot store with 400 naming the field, while the victim's concurrent transfers all succeed", async () => {
    const hostile = ['a\u0000b', 'x\ud800y', '\udfff'].flatMap((value) =>
      Array.from({ length: 4 }, () =>
        mallory.post('/v1/transfers', {
          debitAccountId: 'unlimited',
          creditAccountId: 'unlimited-2',
          amount: '1',
          currency: 'EUR',
          metadata: { note: value },
        }),
      ),
    );
    const victim = Array.from({ length: 10 }, () => victimPays());
    const [bad] = await Promise.all([Promise.all(hostile), Promise.all(victim)]);
    for (const reply of bad) {
      expect(reply.status).toBe(400);
      expect(reply.body.errors).toEqual([
        { field: 'metadata.note', message: 'values must not contain NUL characters or unpaired surrogates' },
      ]);
    }
  });

  it("refuses a credit to another tenant's account without its consent, with one answer whatever the reason", async () => {
    const before = await balancesOf(victor, 'shop');
    const answers = await Promise.all(
      [
        { creditAccountId: 'shop', flags: {} }, // exists, not open to other tenants
        { creditAccountId: 'nowhere' }, // does not exist
        { creditAccountId: 'inbox', currency: 'USD' }, // another currency than the account's
      ].map(({ creditAccountId, currency }) =>
        mallory.post('/v1/transfers', {
          debitAccountId: 'unlimited',
          creditTenantId: 'victor',
          creditAccountId,
          amount: String(MAX - 1_000n),
          currency: currency ?? 'EUR',
          pending: true,
        }),
      ),
    );
    // The USD attempt fails on mallory's own EUR account first: that is about mallory's account only.
    expect(answers.map((a) => [a.status, a.body.type])).toEqual([
      [422, 'https://meridian.dev/problems/external-credit-refused'],
      [422, 'https://meridian.dev/problems/external-credit-refused'],
      [422, 'https://meridian.dev/problems/currency-mismatch'],
    ]);
    expect(answers[0]!.body.detail).toBe(answers[1]!.body.detail);
    expect(await balancesOf(victor, 'shop')).toEqual(before);
  });

  it("lets a reservation on the victim's open account last no longer than the bound, after which the victim is credited again", async () => {
    const inbox = await balancesOf(victor, 'inbox');
    expect(inbox.creditsPending).toBe('0');
    // Reserve all but 10 of what the inbox can still take: nobody else can credit it meanwhile.
    const room = MAX - BigInt(inbox.creditsPosted);
    const hold = await mallory.post('/v1/transfers', {
      debitAccountId: 'reserve',
      creditTenantId: 'victor',
      creditAccountId: 'inbox',
      amount: String(room - 10n),
      currency: 'EUR',
      pending: true,
    });
    expect(hold.status).toBe(201);
    expect(hold.body.timeoutSeconds).toBe(4);
    const tooLong = await mallory.post('/v1/transfers', {
      debitAccountId: 'unlimited',
      creditTenantId: 'victor',
      creditAccountId: 'inbox',
      amount: '1',
      currency: 'EUR',
      pending: true,
      timeoutSeconds: 3600,
    });
    expect(tooLong.status).toBe(400);
    // The ledger's expiry releases it within the bound; then the inbox takes credits again.
    const deadline = Date.now() + 30_000;
    while ((await balancesOf(victor, 'inbox')).creditsPending !== '0' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await balancesOf(victor, 'inbox')).creditsPending).toBe('0');
    const credit = await accomplice.post('/v1/transfers', {
      debitAccountId: 'inbox',
      creditTenantId: 'victor',
      creditAccountId: 'inbox',
      amount: '100',
      currency: 'EUR',
    });
    expect(credit.status).toBe(201);
  });

  it('refuses the settlement transfer code to a tenant, naming the field', async () => {
    const reply = await mallory.post('/v1/transfers', {
      debitAccountId: 'unlimited',
      creditAccountId: 'unlimited-2',
      amount: '1',
      currency: 'EUR',
      code: 65_535,
    });
    expect([reply.status, reply.body.errors?.[0]?.field]).toEqual([400, 'code']);
  });

  describe('budgets', () => {
    let api: ServiceProcess;
    let redis: Redis;
    const through = (client: TenantClient) => client.withBase(api.url);

    beforeAll(async () => {
      api = await stack.startApi({
        IDEMPOTENCY_TENANT_BUDGET_BYTES: String(1_048_576),
        TENANT_MAX_IN_FLIGHT: '4',
        AUTH_FAILURE_LIMIT: '5',
        API_KEY_CACHE_TTL_MS: '60000',
      });
      redis = new Redis(stack.redis.url);
      // Every tenant's key verified once: the address is blocked for unknown keys later on, not for these.
      for (const client of [mallory, accomplice, victor])
        expect((await through(client).get('/v1/accounts')).status).toBe(200);
    });

    afterAll(async () => {
      redis?.disconnect();
      await api?.stop();
    });

    /** A batch of `items` transfers, each carrying 1 KB of metadata (about 1.4 KB of answer each). */
    const bigBatch = (
      prefix: string,
      items: number,
      debitAccountId = 'unlimited',
      creditAccountId = 'unlimited-2',
    ) => ({
      transfers: Array.from({ length: items }, (_, i) => ({
        id: `${prefix}-${i}`,
        debitAccountId,
        creditAccountId,
        amount: '1',
        currency: 'EUR',
        metadata: { a: 'x'.repeat(256), b: 'y'.repeat(256), c: 'z'.repeat(256), d: 'w'.repeat(256) },
      })),
    });

    it('stores a batch answer beyond the record cap compacted, and replays it equal to the original', async () => {
      const key = randomUUID();
      const first = await through(mallory).post('/v1/transfers/batch', bigBatch(`big-${key}`, 500), key);
      expect(first.status).toBe(200);
      expect(JSON.stringify(first.body).length).toBeGreaterThan(500_000);
      const stored = await redis.keys(`${stack.redis.prefix}:idempotency:mallory:*`);
      const sizes = await Promise.all(stored.map((k) => redis.strlen(k)));
      expect(Math.max(...sizes)).toBeLessThanOrEqual(65_536);
      const again = await through(mallory).post('/v1/transfers/batch', bigBatch(`big-${key}`, 500), key);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
    });

    it("gives a tenant that spent its idempotency budget 429, while the victim's keyed requests are stored and replayed", async () => {
      const victimKey = randomUUID();
      const victimFirst = await through(victor).post(
        '/v1/transfers',
        { debitAccountId: 'wallet', creditAccountId: 'shop', amount: '1', currency: 'EUR' },
        victimKey,
      );
      let refused: Awaited<ReturnType<TenantClient['post']>> | undefined;
      for (let i = 0; i < 40 && !refused; i++) {
        const reply = await through(mallory).post(
          '/v1/transfers/batch',
          bigBatch(`fill-${i}-${randomUUID()}`, 40),
        );
        if (reply.status === 429) refused = reply;
        else expect(reply.status).toBe(200);
      }
      expect(refused?.body).toEqual(problem('idempotency-budget-exhausted'));
      expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
      // The victim: new keys stored, old ones replayed.
      const replay = await through(victor).post(
        '/v1/transfers',
        { debitAccountId: 'wallet', creditAccountId: 'shop', amount: '1', currency: 'EUR' },
        victimKey,
      );
      expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
      expect(replay.body).toEqual(victimFirst.body);
      const fresh = randomUUID();
      const body = { debitAccountId: 'wallet', creditAccountId: 'shop', amount: '2', currency: 'EUR' };
      expect((await through(victor).post('/v1/transfers', body, fresh)).status).toBe(201);
      expect(
        (await through(victor).post('/v1/transfers', body, fresh)).headers.get('idempotent-replayed'),
      ).toBe('true');
    });

    it('gives a client address that keeps failing authentication 429, while a good key from the same address keeps working', async () => {
      expect((await through(victor).get('/v1/accounts/wallet')).status).toBe(200);
      const guesses = [];
      for (let i = 0; i < 8; i++) {
        guesses.push(
          (
            await request(api.url, 'GET', '/v1/accounts', undefined, {
              authorization: `Bearer mk_${i.toString(16).padStart(16, '0')}_${'A'.repeat(43)}`,
            })
          ).status,
        );
      }
      expect(guesses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(guesses.slice(5)).toEqual([429, 429, 429]);
      const blocked = await request(api.url, 'GET', '/v1/accounts', undefined, {
        authorization: 'Bearer nope',
      });
      expect(blocked.body).toEqual(problem('authentication-rate-limited'));
      // With no proxy trusted (TRUST_PROXY_HOPS=0), a forged X-Forwarded-For does not make a new client.
      const forged = await request(api.url, 'GET', '/v1/accounts', undefined, {
        authorization: 'Bearer nope',
        'x-forwarded-for': '203.0.113.7',
      });
      expect(forged.body).toEqual(problem('authentication-rate-limited'));
      expect((await through(victor).get('/v1/accounts/wallet')).status).toBe(200);
    });

    it("answers 429 to a tenant with TENANT_MAX_IN_FLIGHT requests in progress, while the victim's requests are admitted and succeed", async () => {
      const seen = stack.ledgerProxy.httpRequests;
      const start = seen.length;
      const reached = (tenant: string) =>
        seen.slice(start).filter((line) => line.includes(`/v1/tenants/${tenant}/`)).length;
      const until = async (done: () => boolean) => {
        while (!done()) await new Promise((r) => setTimeout(r, 20));
      };
      // The ledger answers nothing until released: the accomplice's first four requests stay in progress.
      stack.ledgerProxy.hold();
      try {
        const inProgress = Array.from({ length: 4 }, (_, i) =>
          through(accomplice).post(
            '/v1/transfers/batch',
            bigBatch(`busy-${i}-${randomUUID()}`, 40, 'inbox', 'spare'),
          ),
        );
        await until(() => reached('accomplice') >= 4);
        const refused = await through(accomplice).post(
          '/v1/transfers/batch',
          bigBatch(`busy-4-${randomUUID()}`, 40, 'inbox', 'spare'),
        );
        expect(refused.status).toBe(429);
        expect(refused.body).toEqual(problem('tenant-concurrency-exceeded'));
        // The victim is admitted meanwhile: its calls reach the ledger.
        const victim = Array.from({ length: 3 }, () =>
          through(victor).post('/v1/transfers', {
            debitAccountId: 'wallet',
            creditAccountId: 'shop',
            amount: '1',
            currency: 'EUR',
          }),
        );
        await until(() => reached('victor') >= 3);
        stack.ledgerProxy.release();
        expect((await Promise.all(victim)).map((r) => r.status)).toEqual([201, 201, 201]);
        expect((await Promise.all(inProgress)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
      } finally {
        stack.ledgerProxy.release();
      }
    });
  });

  it("keeps the victim's key cached through a flood of 10,000 unknown keys (it is still served from the cache after its row changes)", async () => {
    const api = await stack.startApi({ API_KEY_CACHE_TTL_MS: '60000', AUTH_FAILURE_LIMIT: '100000' });
    try {
      expect((await victor.withBase(api.url).get('/v1/accounts/wallet')).status).toBe(200);
      for (let batch = 0; batch < 100; batch++) {
        await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            request(api.url, 'GET', '/v1/accounts', undefined, {
              authorization: `Bearer mk_${(batch * 100 + i).toString(16).padStart(16, '0')}_${'B'.repeat(43)}`,
            }).then((reply) => expect(reply.status).toBe(401)),
          ),
        );
      }
      // Revoked in the database behind the cache's back: still accepted, so it was never evicted.
      await query(stack.api.database.url, `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [
        victor.keyId,
      ]);
      expect((await victor.withBase(api.url).get('/v1/accounts/wallet')).status).toBe(200);
    } finally {
      await query(stack.api.database.url, `UPDATE api_keys SET revoked_at = NULL WHERE id = $1`, [
        victor.keyId,
      ]);
      await api.stop();
    }
  });
});
