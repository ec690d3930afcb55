import type { ServiceProcess } from '@meridian/testing';
import { ApiStack, type TenantClient } from './support/api-fixture';

describe('per-tenant rate limits', () => {
  let stack: ApiStack;
  let limited: ServiceProcess;
  let acme: TenantClient;
  let globex: TenantClient;

  beforeAll(async () => {
    stack = await ApiStack.start('api_ratelimit');
    acme = await stack.tenant('acme');
    globex = await stack.tenant('globex');
    limited = await stack.startApi({ RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW_SECONDS: '60' });
  });

  afterAll(async () => {
    await limited?.stop();
    await stack?.stop();
  });

  it('answers 429 with Retry-After and RateLimit headers past the limit, per tenant, shared through Redis', async () => {
    const a = acme.withBase(limited.url);
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await a.get('/v1/accounts'));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(replies[0]!.headers.get('ratelimit-limit')).toBe('5');
    expect(replies[0]!.headers.get('ratelimit-remaining')).toBe('4');
    const refused = replies[5]!;
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.type).toBe('https://meridian.dev/problems/rate-limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    // Another tenant has its own budget.
    expect((await globex.withBase(limited.url).get('/v1/accounts')).status).toBe(200);
  });
});
