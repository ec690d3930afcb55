import { runAppScript } from '@meridian/testing';
import { ApiStack, request } from './support/api-fixture';

describe('the keys command (node apps/api/dist/cli.js)', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await ApiStack.start('api_cli');
  });

  afterAll(() => stack?.stop());

  const cli = (...args: string[]) =>
    runAppScript('api', 'cli.js', { DATABASE_URL: stack.api.database.url, LOG_LEVEL: 'warn' }, args);

  it('creates a tenant and a key that works at once, lists it without its secret, and revokes it', async () => {
    expect((await cli('tenant', 'create', 'initech', 'Initech')).code).toBe(0);
    const created = await cli('key', 'create', 'initech', 'deploy-bot', 'read');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; token: string; scopes: string[] };
    expect(key.scopes).toEqual(['read']);
    expect(key.token).toMatch(/^mk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(
      (await request(stack.url, 'GET', '/v1/accounts', undefined, { authorization: `Bearer ${key.token}` }))
        .status,
    ).toBe(200);

    const listed = await cli('key', 'list', 'initech');
    expect(listed.stdout).toContain(key.id);
    // The secret is all of the key after `mk_<id>_` (it may hold underscores of its own).
    expect(listed.stdout).not.toContain(/^mk_[^_]+_(.+)$/.exec(key.token)![1]!);

    expect((await cli('key', 'revoke', key.id)).code).toBe(0);
    expect(JSON.parse((await cli('key', 'list', 'initech')).stdout)[0].revokedAt).not.toBeNull();
  });

  it('explains its usage and refuses unknown scopes and tenants', async () => {
    const usage = await cli('key');
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('usage:');
    const scope = await cli('key', 'create', 'initech', 'x', 'root');
    expect([scope.code, scope.stderr.trim()]).toEqual([1, 'scopes[0]: must be one of read, write, admin']);
    const tenant = await cli('key', 'create', 'nobody', 'x', 'read');
    expect([tenant.code, tenant.stderr.trim()]).toEqual([1, 'No tenant "nobody".']);
  });

  it('refuses a tenant id the ledger could not take, and an over-long name, naming the field', async () => {
    const id = await cli('tenant', 'create', '../other/tenant', 'Other');
    expect(id.code).toBe(1);
    expect(id.stderr).toMatch(/^id: may hold only letters, digits/);
    const name = await cli('tenant', 'create', 'long', 'x'.repeat(201));
    expect([name.code, name.stderr.trim()]).toEqual([1, 'name: must be at most 200 characters']);
  });

  it('serves the OpenAPI document at /docs/openapi.json', async () => {
    const docs = await request(stack.url, 'GET', '/docs/openapi.json');
    expect(docs.status).toBe(200);
    expect(docs.body.openapi).toBe('3.1.0');
  });
});
