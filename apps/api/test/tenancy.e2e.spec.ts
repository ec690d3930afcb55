import { query } from '@meridian/testing';
import { ADMIN_TOKEN, ApiStack, request, type TenantClient } from './support/api-fixture';

const problem = (type: string) => expect.objectContaining({ type: `https://meridian.dev/problems/${type}` });

describe('tenants, API keys and scopes', () => {
  let stack: ApiStack;
  let acme: TenantClient;
  let globex: TenantClient;

  beforeAll(async () => {
    stack = await ApiStack.start('api_tenancy', { API_KEY_CACHE_TTL_MS: '500' });
    acme = await stack.tenant('acme');
    globex = await stack.tenant('globex');
    await acme.account('wallet');
    await acme.fund('wallet', '500');
    await globex.account('vault');
  });

  afterAll(() => stack?.stop());

  it("keeps tenant A out of B's accounts and transfers: 404, so existence does not leak", async () => {
    expect((await globex.get('/v1/accounts/wallet')).status).toBe(404);
    expect((await globex.get('/v1/accounts/wallet')).body).toEqual(problem('account-not-found'));
    expect((await globex.get('/v1/accounts/wallet/transfers')).status).toBe(404);
    const listed = await globex.get('/v1/accounts');
    expect(listed.body.data.map((a: { id: string }) => a.id)).toEqual(['vault']);
    const [transfer] = (await acme.get('/v1/accounts/wallet/transfers')).body.data;
    expect((await globex.get(`/v1/transfers/${transfer.id}`)).status).toBe(404);
    // Moving money out of A's account with B's key: the account does not exist for B.
    const steal = await globex.post('/v1/transfers', {
      debitAccountId: 'wallet',
      creditAccountId: 'vault',
      amount: '1',
      currency: 'EUR',
    });
    expect(steal.status).toBe(404);
    expect((await acme.get('/v1/accounts/wallet')).body.balances.creditsPosted).toBe('500');
  });

  it('answers 401 without a key or with a malformed or unknown one', async () => {
    for (const authorization of [
      undefined,
      'Bearer',
      'Basic Zm9vOmJhcg==',
      'Bearer mk_0000000000000000_' + 'A'.repeat(43),
      `Bearer ${acme.token}x`,
    ]) {
      const reply = await request(
        stack.url,
        'GET',
        '/v1/accounts',
        undefined,
        authorization ? { authorization } : {},
      );
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(problem('unauthorized'));
      expect(reply.headers.get('www-authenticate')).toContain('Bearer');
    }
  });

  it('enforces scopes: a read-only key cannot move money', async () => {
    const reader = await stack.tenant('readers', ['read']);
    expect((await reader.get('/v1/accounts')).status).toBe(200);
    const write = await reader.post('/v1/accounts', { id: 'nope', currency: 'EUR' });
    expect(write.status).toBe(403);
    expect(write.body).toEqual(problem('forbidden'));
  });

  it('stops honouring a revoked key once its cached entry expires (API_KEY_CACHE_TTL_MS), for good', async () => {
    const key = await request(
      stack.adminUrl,
      'POST',
      '/admin/tenants/acme/keys',
      { name: 'short-lived', scopes: ['read'] },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    const token = key.body.token as string;
    const auth = { authorization: `Bearer ${token}` };
    expect((await request(stack.url, 'GET', '/v1/accounts', undefined, auth)).status).toBe(200);
    const revoked = await request(stack.adminUrl, 'DELETE', `/admin/keys/${key.body.id}`, undefined, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(revoked.body.revokedAt).not.toBeNull();
    // Still cached for up to API_KEY_CACHE_TTL_MS (500 ms here); wait for the entry to go, however long that takes.
    let status = 200;
    while (status === 200) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await request(stack.url, 'GET', '/v1/accounts', undefined, auth)).status;
    }
    expect(status).toBe(401);
    // Looked up again, and refused from then on.
    expect((await request(stack.url, 'GET', '/v1/accounts', undefined, auth)).status).toBe(401);
  });

  it('shows a key once and stores only its hash; admin endpoints need the admin token', async () => {
    const listed = await request(stack.adminUrl, 'GET', '/admin/tenants/acme/keys', undefined, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(listed.status).toBe(200);
    // The secret is all of the key after `mk_<id>_` (it may hold underscores of its own).
    const secret = /^mk_[^_]+_(.+)$/.exec(acme.token)![1]!;
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const [row] = await query<{ secret_hash: string }>(
      stack.api.database.url,
      'SELECT secret_hash FROM api_keys WHERE id = $1',
      [acme.keyId],
    );
    expect(row!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await request(stack.adminUrl, 'GET', '/admin/tenants/acme/keys')).status).toBe(401);
    expect(
      (
        await request(
          stack.adminUrl,
          'POST',
          '/admin/tenants',
          { id: 'x', name: 'x' },
          { authorization: `Bearer ${acme.token}` },
        )
      ).status,
    ).toBe(401);
  });

  it('serves /admin only on the management port: on the public port it does not exist, even with the admin token', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const listed = await request(stack.url, 'GET', '/admin/tenants/acme/keys', undefined, admin);
    const created = await request(stack.url, 'POST', '/admin/tenants', { id: 'x', name: 'x' }, admin);
    for (const reply of [listed, created]) {
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual(problem('not-found'));
    }
    expect(await query(stack.api.database.url, `SELECT id FROM tenants WHERE id = 'x'`)).toEqual([]);
  });
});
