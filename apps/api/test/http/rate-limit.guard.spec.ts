import { Controller, Get, UseGuards } from '@nestjs/common';
import { TcpProxy, TEST_REDIS_URL } from '@meridian/testing';
import { Redis } from 'ioredis';
import { RateLimitGuard } from '../../src/http/rate-limit.guard';
import { ApiKeyGuard } from '../../src/http/api-key.guard';
import { ApiKeyStore } from '../../src/application/api-key.store';
import { AuthFailureLimiter } from '../../src/infrastructure/redis/auth-failure.limiter';
import { TenantRateLimit } from '../../src/infrastructure/redis/tenant-rate-limit';
import { InProcessApi } from './support/in-process-api';

@Controller('probe')
@UseGuards(ApiKeyGuard, RateLimitGuard)
class ProbeController {
  @Get()
  probe() {
    return { ok: true };
  }
}

describe('RateLimitGuard (in process: real Redis, reached through a proxy)', () => {
  let api: InProcessApi;
  let proxy: TcpProxy;
  let redis: Redis;

  beforeAll(async () => {
    const target = new URL(TEST_REDIS_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379));
    api = await InProcessApi.start({
      label: 'api_http_ratelimit',
      controllers: [ProbeController],
      providers: [ApiKeyGuard, ApiKeyStore, AuthFailureLimiter, TenantRateLimit, RateLimitGuard],
      // A window far longer than the test: the count cannot reset half-way.
      env: {
        REDIS_URL: `redis://${proxy.host}:${proxy.port}`,
        RATE_LIMIT_REQUESTS: '3',
        RATE_LIMIT_WINDOW_SECONDS: '3600',
      },
    });
    redis = new Redis(api.redis.url);
  });

  afterAll(async () => {
    redis?.disconnect();
    await api?.stop();
    await proxy?.stop();
  });

  it('admits RATE_LIMIT_REQUESTS requests of a tenant per window with RateLimit headers counting down, then answers 429 rate-limited with Retry-After', async () => {
    const { token } = await api.tenantKey('acme', ['read']);
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await api.request('GET', '/probe', { token }));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(replies.map((r) => r.headers.get('ratelimit-limit'))).toEqual(['3', '3', '3', '3']);
    expect(replies.map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    for (const reply of replies) {
      expect(Number(reply.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
      expect(Number(reply.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(3600);
    }
    const refused = replies[3]!;
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: 'https://meridian.dev/problems/rate-limited', status: 429 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
  });

  it("keeps a budget per tenant, counted in Redis under the service's prefix (so every replica shares it)", async () => {
    const globex = await api.tenantKey('globex', ['read']);
    const initech = await api.tenantKey('initech', ['read']);
    for (let i = 0; i < 3; i++) expect((await api.request('GET', '/probe', globex)).status).toBe(200);
    expect((await api.request('GET', '/probe', globex)).status).toBe(429);
    expect((await api.request('GET', '/probe', initech)).status).toBe(200);
    expect(await redis.get(`${api.redis.prefix}:ratelimit:globex`)).toBe('4');
    expect(await redis.get(`${api.redis.prefix}:ratelimit:initech`)).toBe('1');
  });

  it('lets requests through when Redis cannot count, rather than failing them', async () => {
    const { token } = await api.tenantKey('umbrella', ['read']);
    // Verified (and cached) while Redis is there: the key check needs no Redis afterwards.
    expect((await api.request('GET', '/probe', { token })).status).toBe(200);
    await proxy.stop();
    try {
      const replies = [];
      for (let i = 0; i < 4; i++) replies.push(await api.request('GET', '/probe', { token }));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(replies.map((r) => r.headers.get('ratelimit-remaining'))).toEqual([null, null, null, null]);
    } finally {
      await proxy.resume();
    }
  });
});
