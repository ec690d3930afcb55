import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { ApiStack, type TenantClient } from './support/api-fixture';

const problem = (type: string) => expect.objectContaining({ type: `https://meridian.dev/problems/${type}` });

describe('Idempotency-Key (IETF draft semantics)', () => {
  let stack: ApiStack;
  let acme: TenantClient;
  let globex: TenantClient;

  beforeAll(async () => {
    stack = await ApiStack.start('api_idem');
    acme = await stack.tenant('acme');
    globex = await stack.tenant('globex');
    for (const client of [acme, globex]) {
      await client.account('wallet', { flags: { debitsMustNotExceedCredits: true } });
      await client.account('shop');
      await client.fund('wallet', '1000');
    }
  });

  afterAll(() => stack?.stop());

  const pay = (amount = '10') => ({
    debitAccountId: 'wallet',
    creditAccountId: 'shop',
    amount,
    currency: 'EUR',
  });

  it('refuses a money-moving POST without a key, writing nothing', async () => {
    const before = await stack.ledgerTransfers('acme');
    const reply = await acme.post('/v1/transfers', pay(), null);
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body).toEqual(problem('idempotency-key-missing'));
    expect(await stack.ledgerTransfers('acme')).toEqual(before);
  });

  it('replays the original status and body after success, marked Idempotent-Replayed', async () => {
    const key = randomUUID();
    const first = await acme.post('/v1/transfers', pay(), key);
    const again = await acme.post('/v1/transfers', pay(), key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect((await stack.ledgerTransfers('acme')).filter((t) => t.id === first.body.id)).toHaveLength(1);
  });

  it('replays a business error (insufficient funds) instead of trying again', async () => {
    const key = randomUUID();
    const first = await acme.post('/v1/transfers', pay('999999'), key);
    expect(first.status).toBe(422);
    expect(first.body).toEqual(problem('insufficient-funds'));
    await acme.fund('wallet', '999999');
    const again = await acme.post('/v1/transfers', pay('999999'), key);
    expect(again.status).toBe(422);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('refuses the same key with a different payload (422)', async () => {
    const key = randomUUID();
    expect((await acme.post('/v1/transfers', pay('1'), key)).status).toBe(201);
    const other = await acme.post('/v1/transfers', pay('2'), key);
    expect(other.status).toBe(422);
    expect(other.body).toEqual(problem('idempotency-key-reused'));
  });

  it('makes exactly one transfer from concurrent requests with one key; the rest are 409 or a replay', async () => {
    const key = randomUUID();
    const before = (await stack.ledgerTransfers('acme')).length;
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => acme.post('/v1/transfers', pay('3'), key)),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).not.toHaveLength(0);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    const fresh = replies.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null);
    expect(fresh).toHaveLength(1);
    for (const r of replies.filter((r) => r.status === 409)) {
      expect(r.body).toEqual(problem('idempotency-key-in-flight'));
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect((await stack.ledgerTransfers('acme')).length).toBe(before + 1);
  });

  it('keeps keys per tenant: the same key from two tenants is two operations', async () => {
    const key = randomUUID();
    const a = await acme.post('/v1/transfers', pay('4'), key);
    const g = await globex.post('/v1/transfers', pay('4'), key);
    expect([a.status, g.status]).toEqual([201, 201]);
    expect(g.headers.get('idempotent-replayed')).toBeNull();
    expect(a.body.tenantId).toBe('acme');
    expect(g.body.tenantId).toBe('globex');
  });

  it('does not store a validation failure: the corrected request with the same key succeeds', async () => {
    const key = randomUUID();
    const bad = await acme.post('/v1/transfers', { ...pay(), amount: 'ten' }, key);
    expect(bad.status).toBe(400);
    const good = await acme.post('/v1/transfers', pay('5'), key);
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotent-replayed')).toBeNull();
  });

  it('treats a key whose record is past retention as new, and the derived id still prevents a double post', async () => {
    const key = randomUUID();
    const first = await acme.post('/v1/transfers', pay('6'), key);
    expect(first.status).toBe(201);
    // Retention passing, as Redis will do it after IDEMPOTENCY_RETENTION_SECONDS.
    const redis = new Redis(stack.redis.url);
    const digest = createHash('sha256').update(key).digest('hex');
    expect(await redis.del(`${stack.redis.prefix}:idempotency:acme:${digest}`)).toBe(1);
    redis.disconnect();
    const later = await acme.post('/v1/transfers', pay('6'), key);
    expect(later.headers.get('idempotent-replayed')).toBeNull(); // processed anew...
    expect(later.status).toBe(200); // ...and the ledger answered `exists`
    expect(later.body.id).toBe(first.body.id);
    expect((await stack.ledgerTransfers('acme')).filter((t) => t.id === first.body.id)).toHaveLength(1);
  });

  it('keeps a record for the configured retention (at least 24 h)', async () => {
    const key = randomUUID();
    await acme.post('/v1/transfers', pay('7'), key);
    const redis = new Redis(stack.redis.url);
    const digest = createHash('sha256').update(key).digest('hex');
    const ttl = await redis.ttl(`${stack.redis.prefix}:idempotency:acme:${digest}`);
    redis.disconnect();
    expect(ttl).toBeGreaterThan(86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });
});
