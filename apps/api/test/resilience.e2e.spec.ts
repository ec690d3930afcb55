import { randomUUID } from 'node:crypto';
import type { ServiceProcess } from '@meridian/testing';
import { ApiStack, type TenantClient } from './support/api-fixture';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Faults injected between the api and the ledger through a real TCP proxy:
 * a ledger that does not answer, is slow, or goes away and comes back.
 */
describe('resilience of the ledger client', () => {
  let stack: ApiStack;
  let acme: TenantClient;
  let api: ServiceProcess;

  const settings = {
    LEDGER_TIMEOUT_MS: '300',
    LEDGER_DEADLINE_MS: '1000',
    LEDGER_RETRIES: '2',
    // Opens once 3 calls in 3 s all failed (at least 1 call/s over the window, 75% failing).
    LEDGER_BREAKER_MIN_RPS: '1',
    LEDGER_BREAKER_WINDOW_MS: '3000',
    LEDGER_BREAKER_HALF_OPEN_MS: '1500',
  };

  beforeAll(async () => {
    stack = await ApiStack.start('api_resilience', settings);
    acme = await stack.tenant('acme');
    await acme.account('wallet');
    await acme.account('shop');
    await acme.fund('wallet', '1000');
  });

  beforeEach(async () => {
    stack.ledgerProxy.latencyMs = 0;
    await stack.ledgerProxy.resume();
    api = await stack.startApi(settings);
  });

  afterEach(async () => {
    stack.ledgerProxy.release();
    stack.ledgerProxy.latencyMs = 0;
    await stack.ledgerProxy.resume();
    await api.stop();
  });

  afterAll(() => stack?.stop());

  it('ends a call the ledger never answers at LEDGER_DEADLINE_MS: 503 timed out with Retry-After, after one attempt', async () => {
    // Each attempt may take a minute: only the deadline (1 s) can end this call before the test's own timeout.
    const patient = await stack.startApi({ ...settings, LEDGER_TIMEOUT_MS: '60000' });
    try {
      stack.ledgerProxy.hold();
      const seen = stack.ledgerProxy.httpRequests;
      const start = seen.length;
      const reply = await acme.withBase(patient.url).get('/v1/accounts/wallet');
      expect(reply.status).toBe(503);
      expect(reply.body.type).toBe('https://meridian.dev/problems/ledger-unavailable');
      expect(reply.body.detail).toContain('timed out');
      expect(reply.headers.get('retry-after')).toBe('1');
      expect(seen.slice(start)).toEqual(['GET /v1/tenants/acme/accounts/wallet']);
    } finally {
      stack.ledgerProxy.release();
      await patient.stop();
    }
  });

  it('opens the breaker when the ledger is down, fails fast while open, then half-opens and recovers', async () => {
    const client = acme.withBase(api.url);
    await stack.ledgerProxy.stop();
    for (let i = 0; i < 3; i++) expect((await client.get('/v1/accounts/wallet')).status).toBe(503);
    // Refused by the open breaker itself: no call to the ledger was attempted.
    const open = await client.get('/v1/accounts/wallet');
    expect(open.status).toBe(503);
    expect(open.body.detail).toContain('circuit open');
    expect(open.headers.get('retry-after')).toBe('2');

    await stack.ledgerProxy.resume();
    // Open until LEDGER_BREAKER_HALF_OPEN_MS has passed; the first call after it is the trial, and it succeeds.
    let recovered = await client.get('/v1/accounts/wallet');
    while (recovered.status === 503 && String(recovered.body.detail).includes('circuit open')) {
      await sleep(100);
      recovered = await client.get('/v1/accounts/wallet');
    }
    expect(recovered.status).toBe(200);
    expect((await client.get('/v1/accounts/shop')).status).toBe(200);
  });

  it('frees the Idempotency-Key of a request whose api process died within IDEMPOTENCY_LEASE_MS: the same key through another process then makes the transfer once', async () => {
    const doomed = await stack.startApi({
      ...settings,
      LEDGER_TIMEOUT_MS: '60000',
      LEDGER_DEADLINE_MS: '120000',
      IDEMPOTENCY_LEASE_MS: '1000',
      // Without the lease, the key would stay held for ten minutes.
      IDEMPOTENCY_LOCK_TIMEOUT_MS: '600000',
    });
    const key = randomUUID();
    const id = `lease-${key.slice(0, 8)}`;
    const body = { id, debitAccountId: 'wallet', creditAccountId: 'shop', amount: '1', currency: 'EUR' };
    const seen = stack.ledgerProxy.httpRequests;
    const start = seen.length;
    stack.ledgerProxy.hold();
    const first = acme
      .withBase(doomed.url)
      .post('/v1/transfers', body, key)
      .catch(() => undefined);
    // The request holds its key and waits on the ledger when its process dies.
    while (!seen.slice(start).includes('POST /v1/tenants/acme/transfers')) await sleep(20);
    doomed.signal('SIGKILL');
    await doomed.exited;
    await first;
    stack.ledgerProxy.cutConnections(); // what it sent never reaches the ledger
    stack.ledgerProxy.release();

    const client = acme.withBase(api.url);
    let retry = await client.post('/v1/transfers', body, key);
    const inFlight = [];
    while (retry.status === 409) {
      inFlight.push(retry.body.type);
      await sleep(100);
      retry = await client.post('/v1/transfers', body, key);
    }
    expect(new Set(inFlight)).toEqual(
      new Set(inFlight.length ? ['https://meridian.dev/problems/idempotency-key-in-flight'] : []),
    );
    expect(retry.status).toBe(201);
    expect((await client.get(`/v1/transfers/${id}`)).body).toMatchObject({ id, amount: '1' });
  });

  it('retries idempotent GETs but never a POST', async () => {
    // A breaker that stays closed, and a deadline that leaves every attempt its full time.
    const tolerant = await stack.startApi({
      ...settings,
      LEDGER_BREAKER_MIN_RPS: '100000',
      LEDGER_DEADLINE_MS: '120000',
    });
    const client = acme.withBase(tolerant.url);
    stack.ledgerProxy.hold(); // every attempt times out at 300 ms
    const seen = stack.ledgerProxy.httpRequests;
    const start = seen.length;
    const post = await client.post('/v1/transfers', {
      debitAccountId: 'wallet',
      creditAccountId: 'shop',
      amount: '1',
      currency: 'EUR',
    });
    const afterPost = seen.slice(start);
    const get = await client.get('/v1/accounts/wallet');
    const afterGet = seen.slice(start + afterPost.length);
    expect([get.status, post.status]).toEqual([503, 503]);
    // 1 + LEDGER_RETRIES attempts of the GET; exactly one of the POST.
    expect(afterGet).toEqual(Array(3).fill('GET /v1/tenants/acme/accounts/wallet'));
    expect(afterPost).toEqual(['POST /v1/tenants/acme/transfers']);
    await tolerant.stop();
  });

  it('rejects calls beyond the bulkhead (concurrency + queue) with 503 while the admitted ones are still waiting on the ledger, instead of queueing them', async () => {
    const small = await stack.startApi({
      ...settings,
      LEDGER_TIMEOUT_MS: '60000',
      LEDGER_DEADLINE_MS: '120000',
      LEDGER_MAX_CONCURRENCY: '2',
      LEDGER_MAX_QUEUE: '1',
    });
    try {
      stack.ledgerProxy.hold();
      const client = acme.withBase(small.url);
      const answered: Awaited<ReturnType<TenantClient['get']>>[] = [];
      let sevenAnswered!: () => void;
      const seven = new Promise<void>((resolve) => (sevenAnswered = resolve));
      const replies = Array.from({ length: 10 }, () =>
        client.get('/v1/accounts/wallet').then((reply) => {
          answered.push(reply);
          if (answered.length === 7) sevenAnswered();
          return reply;
        }),
      );
      // The ledger answers nothing while held: whatever is answered now was refused without waiting.
      await seven;
      expect(answered.map((r) => r.status)).toEqual(Array(7).fill(503));
      for (const r of answered) expect(r.body.detail).toContain('too many calls in flight');
      stack.ledgerProxy.release();
      const admitted = (await Promise.all(replies)).filter((r) => !answered.slice(0, 7).includes(r));
      expect(admitted.map((r) => r.status)).toEqual([200, 200, 200]);
    } finally {
      stack.ledgerProxy.release();
      await small.stop();
    }
  });
});
