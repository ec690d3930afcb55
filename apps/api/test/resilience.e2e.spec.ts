import type { ServiceProcess } from '@meridian/testing';
import { ApiStack, type TenantClient } from './support/api-fixture';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Faults injected between the api and the ledger through a real TCP proxy:
 * latency, and the ledger going away and coming back.
 */
describe('resilience of the ledger client', () => {
  let stack: ApiStack;
  let acme: TenantClient;
  let api: ServiceProcess;

  const settings = {
    LEDGER_TIMEOUT_MS: '300',
    LEDGER_DEADLINE_MS: '1000',
    LEDGER_RETRIES: '2',
    LEDGER_BREAKER_FAILURES: '3',
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
    stack.ledgerProxy.latencyMs = 0;
    await stack.ledgerProxy.resume();
    await api.stop();
  });

  afterAll(() => stack?.stop());

  it('answers 503 with Retry-After within the deadline when the ledger is slow', async () => {
    stack.ledgerProxy.latencyMs = 2_000;
    const reply = await acme.withBase(api.url).get('/v1/accounts/wallet');
    expect(reply.status).toBe(503);
    expect(reply.body.type).toBe('https://meridian.dev/problems/ledger-unavailable');
    expect(reply.headers.get('retry-after')).not.toBeNull();
    expect(reply.elapsedMs).toBeLessThan(1_000 + 500);
  });

  it('opens the breaker when the ledger is down, fails fast while open, then half-opens and recovers', async () => {
    const client = acme.withBase(api.url);
    await stack.ledgerProxy.stop();
    for (let i = 0; i < 3; i++) expect((await client.get('/v1/accounts/wallet')).status).toBe(503);
    const open = await client.get('/v1/accounts/wallet');
    expect(open.status).toBe(503);
    expect(open.body.detail).toContain('circuit open');
    expect(open.elapsedMs).toBeLessThan(100);
    expect(open.headers.get('retry-after')).toBe('2');

    await stack.ledgerProxy.resume();
    await sleep(1_600);
    const recovered = await client.get('/v1/accounts/wallet');
    expect(recovered.status).toBe(200);
    expect((await client.get('/v1/accounts/shop')).status).toBe(200);
  });

  it('retries idempotent GETs but never a POST', async () => {
    // A breaker that stays closed through the four failures this test makes.
    const tolerant = await stack.startApi({ ...settings, LEDGER_BREAKER_FAILURES: '10' });
    const client = acme.withBase(tolerant.url);
    stack.ledgerProxy.latencyMs = 500; // every attempt times out at 300 ms
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

  it('rejects at once with 503 when the bulkhead is full, instead of queueing without bound', async () => {
    const small = await stack.startApi({
      ...settings,
      LEDGER_TIMEOUT_MS: '5000',
      LEDGER_DEADLINE_MS: '5000',
      LEDGER_MAX_CONCURRENCY: '2',
      LEDGER_MAX_QUEUE: '1',
    });
    try {
      stack.ledgerProxy.latencyMs = 400;
      const client = acme.withBase(small.url);
      const replies = await Promise.all(Array.from({ length: 10 }, () => client.get('/v1/accounts/wallet')));
      const ok = replies.filter((r) => r.status === 200);
      const rejected = replies.filter((r) => r.status === 503);
      expect(ok).toHaveLength(3);
      expect(rejected).toHaveLength(7);
      for (const r of rejected) {
        expect(r.body.detail).toContain('too many calls in flight');
        expect(r.elapsedMs).toBeLessThan(300);
      }
    } finally {
      await small.stop();
    }
  });
});
