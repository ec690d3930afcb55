import { Controller, Get, Post, UseGuards } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Idempotent } from '../../src/http/idempotency.interceptor';
import { TenantConcurrencyGuard } from '../../src/http/tenant-concurrency.guard';
import { ApiKeyGuard } from '../../src/http/api-key.guard';
import { ApiKeyStore } from '../../src/application/api-key.store';
import { AuthFailureLimiter } from '../../src/infrastructure/redis/auth-failure.limiter';
import { TenantRateLimit } from '../../src/infrastructure/redis/tenant-rate-limit';
import { gate, InProcessApi } from './support/in-process-api';

/** Requests inside the handler of /probe/held, held there until the test opens the gate. */
const held = {
  entered: 0,
  gate: gate(),
  waiters: [] as { count: number; resolve: () => void }[],
  enter(): void {
    this.entered++;
    for (const waiter of this.waiters.filter((w) => this.entered >= w.count)) waiter.resolve();
  },
  /** Resolves once `count` requests in all have entered the handler. */
  until(count: number): Promise<void> {
    if (this.entered >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  },
};

@Controller('probe')
@UseGuards(ApiKeyGuard, TenantConcurrencyGuard)
class ProbeController {
  @Get('held')
  async hold() {
    held.enter();
    await held.gate.opened;
    return { ok: true };
  }

  @Get('now')
  now() {
    return { ok: true };
  }

  /** Marked as a write: its count belongs to the Idempotency-Key claim, which a refusal here never reaches. */
  @Post('write')
  @Idempotent()
  write() {
    return { ok: true };
  }
}

describe('TenantConcurrencyGuard (in process)', () => {
  let api: InProcessApi;
  let acme: { token: string };
  let globex: { token: string };

  beforeAll(async () => {
    api = await InProcessApi.start({
      label: 'api_http_concurrency',
      controllers: [ProbeController],
      providers: [ApiKeyGuard, ApiKeyStore, AuthFailureLimiter, TenantRateLimit, TenantConcurrencyGuard],
      env: { TENANT_MAX_IN_FLIGHT: '2' },
    });
    acme = await api.tenantKey('acme', ['read']);
    globex = await api.tenantKey('globex', ['read']);
  });

  beforeEach(() => {
    held.entered = 0;
    held.gate = gate();
    held.waiters = [];
  });

  afterEach(() => held.gate.open());

  afterAll(() => api?.stop());

  it("admits TENANT_MAX_IN_FLIGHT requests of a tenant at once, answers the next 429 tenant-concurrency-exceeded while they are still running, and admits another tenant's", async () => {
    const first = [api.request('GET', '/probe/held', acme), api.request('GET', '/probe/held', acme)];
    await held.until(2);
    // Answered while both are still held: refused at once, not queued behind them.
    const third = await api.request('GET', '/probe/now', acme);
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({
      type: 'https://meridian.dev/problems/tenant-concurrency-exceeded',
      detail: 'The tenant may have 2 requests in progress at once; retry when one completes.',
    });
    expect(third.headers.get('retry-after')).toBe('1');
    const other = api.request('GET', '/probe/held', globex);
    await held.until(3);
    held.gate.open();
    expect((await Promise.all([...first, other])).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('gives the slot back once a request completes', async () => {
    const running = [api.request('GET', '/probe/held', acme), api.request('GET', '/probe/held', acme)];
    await held.until(2);
    expect((await api.request('GET', '/probe/now', acme)).status).toBe(429);
    held.gate.open();
    expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200]);
    const after = await Promise.all([
      api.request('GET', '/probe/now', acme),
      api.request('GET', '/probe/now', acme),
    ]);
    expect(after.map((r) => r.status)).toEqual([200, 200]);
  });

  it('gives the slot back when the client of a running request goes away, before its handler finishes', async () => {
    const leaving = new AbortController();
    const abandoned = fetch(`${api.url}/probe/held`, {
      headers: { authorization: `Bearer ${acme.token}` },
      signal: leaving.signal,
    }).catch(() => 'aborted');
    const staying = api.request('GET', '/probe/held', acme);
    await held.until(2);
    expect((await api.request('GET', '/probe/now', acme)).status).toBe(429);
    leaving.abort();
    expect(await abandoned).toBe('aborted');
    // The server learns of the closed connection on its own time: wait for the slot, with both handlers still held.
    let status = 429;
    while (status === 429) status = (await api.request('GET', '/probe/now', acme)).status;
    expect(status).toBe(200);
    expect(held.entered).toBe(2);
    held.gate.open();
    expect((await staying).status).toBe(200);
  });
  it('counts a write it refuses against the tenant rate limit, with the RateLimit headers, since its claim never runs', async () => {
    const initech = await api.tenantKey('initech', ['write']);
    const redis = new Redis(api.redis.url);
    try {
      const running = [
        api.request('GET', '/probe/held', initech),
        api.request('GET', '/probe/held', initech),
      ];
      await held.until(2);
      const refused = await api.request('POST', '/probe/write', initech);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({
        type: 'https://meridian.dev/problems/tenant-concurrency-exceeded',
      });
      expect(refused.headers.get('ratelimit-limit')).not.toBeNull();
      expect(await redis.get(`${api.redis.prefix}:ratelimit:initech`)).toBe('1');
      held.gate.open();
      expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200]);
    } finally {
      redis.disconnect();
    }
  });
});
