import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ApiKeyGuard, CurrentPrincipal, RequireScope } from '../../src/http/api-key.guard';
import { ApiKeyStore, type Principal } from '../../src/application/api-key.store';
import { AuthFailureLimiter } from '../../src/infrastructure/redis/auth-failure.limiter';
import { InProcessApi } from './support/in-process-api';

@Controller('probe')
@UseGuards(ApiKeyGuard)
class ProbeController {
  @Get('read')
  @RequireScope('read')
  read(@CurrentPrincipal() principal: Principal) {
    return { tenantId: principal.tenantId, keyId: principal.keyId, scopes: [...principal.scopes].sort() };
  }

  @Post('write')
  @HttpCode(200)
  @RequireScope('write')
  write(@CurrentPrincipal() principal: Principal) {
    return { tenantId: principal.tenantId };
  }
}

const UNAUTHORIZED = 'https://meridian.dev/problems/unauthorized';

describe('ApiKeyGuard (in process: real PostgreSQL and Redis)', () => {
  let api: InProcessApi;
  let redis: Redis;
  let acme: { keyId: string; token: string };
  let reader: { keyId: string; token: string };

  beforeAll(async () => {
    api = await InProcessApi.start({
      label: 'api_http_keys',
      controllers: [ProbeController],
      providers: [ApiKeyGuard, ApiKeyStore, AuthFailureLimiter],
      env: { AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW_SECONDS: '3600', API_KEY_CACHE_TTL_MS: '60000' },
    });
    redis = new Redis(api.redis.url);
    acme = await api.tenantKey('acme', ['read', 'write']);
    reader = await api.tenantKey('readers', ['read']);
  });

  // Each test starts with a clean record of failed authentications from this address.
  beforeEach(async () => {
    const counted = await redis.keys(`${api.redis.prefix}:auth-failures*`);
    if (counted.length > 0) await redis.del(...counted);
  });

  afterAll(async () => {
    redis?.disconnect();
    await api?.stop();
  });

  it('admits a valid key and gives the handler its tenant, key id and scopes', async () => {
    const reply = await api.request('GET', '/probe/read', { token: acme.token });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ tenantId: 'acme', keyId: acme.keyId, scopes: ['read', 'write'] });
  });

  it('answers 401 problem+json with WWW-Authenticate: Bearer to no header, another scheme, a malformed token, an unknown key and a wrong secret', async () => {
    const wrongSecret = `${acme.token.slice(0, -1)}${acme.token.endsWith('A') ? 'B' : 'A'}`;
    const cases: [string, Record<string, string>][] = [
      ['no header', {}],
      ['another scheme', { authorization: 'Basic Zm9vOmJhcg==' }],
      ['a malformed token', { authorization: 'Bearer mk_nothex_short' }],
      ['an unknown key', { authorization: `Bearer mk_${'0'.repeat(16)}_${'A'.repeat(43)}` }],
      ['a wrong secret', { authorization: `Bearer ${wrongSecret}` }],
    ];
    for (const [what, headers] of cases) {
      const reply = await api.request('GET', '/probe/read', { headers });
      expect([what, reply.status, reply.headers.get('www-authenticate')]).toEqual([
        what,
        401,
        'Bearer realm="meridian"',
      ]);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body).toMatchObject({
        type: UNAUTHORIZED,
        status: 401,
        detail:
          what === 'no header'
            ? 'Send Authorization: Bearer <API key>.'
            : 'The API key is not valid or was revoked.',
      });
    }
  });

  it("answers 403 forbidden naming the scope when the key lacks the route's scope", async () => {
    expect((await api.request('GET', '/probe/read', { token: reader.token })).status).toBe(200);
    const reply = await api.request('POST', '/probe/write', { token: reader.token });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({
      type: 'https://meridian.dev/problems/forbidden',
      detail: 'This needs the "write" scope.',
    });
  });

  it('refuses a key revoked before it was cached, and keeps admitting a cached key until its entry expires', async () => {
    const early = await api.tenantKey('acme', ['read']);
    await api.revoke(early.keyId);
    expect((await api.request('GET', '/probe/read', { token: early.token })).status).toBe(401);

    const late = await api.tenantKey('acme', ['read']);
    expect((await api.request('GET', '/probe/read', { token: late.token })).status).toBe(200);
    await api.revoke(late.keyId);
    // API_KEY_CACHE_TTL_MS is a minute here: the revocation is not seen before the entry expires.
    expect((await api.request('GET', '/probe/read', { token: late.token })).status).toBe(200);
  });

  it('refuses a client address past AUTH_FAILURE_LIMIT failures with 429 before its next unknown key is looked up, counted in Redis, while a cached good key keeps working', async () => {
    expect((await api.request('GET', '/probe/read', { token: acme.token })).status).toBe(200);
    const unknownKey = (n: number) => ({
      authorization: `Bearer mk_${n.toString(16).padStart(16, '0')}_${'C'.repeat(43)}`,
    });
    const statuses: number[] = [];
    for (let n = 0; n < 7; n++)
      statuses.push((await api.request('GET', '/probe/read', { headers: unknownKey(n) })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);

    const refused = await api.request('GET', '/probe/read', { headers: unknownKey(100) });
    expect(refused.body).toMatchObject({ type: 'https://meridian.dev/problems/authentication-rate-limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Counted under the service's key prefix, where every replica sees it.
    expect(await redis.keys(`${api.redis.prefix}:auth-failures*`)).toHaveLength(1);
    expect((await api.request('GET', '/probe/read', { token: acme.token })).status).toBe(200);
  });
});
