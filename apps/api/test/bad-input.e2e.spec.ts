import { randomUUID } from 'node:crypto';
import { PartialRequest } from '@meridian/testing';
import { ApiStack, request, type TenantClient } from './support/api-fixture';

/** Hostile and careless input: always a 4xx problem, never a 500, never a crash, nothing written. */
describe('bad input at the door', () => {
  let stack: ApiStack;
  let acme: TenantClient;

  beforeAll(async () => {
    stack = await ApiStack.start('api_badinput');
    acme = await stack.tenant('acme');
    await acme.account('wallet');
    await acme.account('shop');
  });

  afterAll(() => stack?.stop());

  const valid = { debitAccountId: 'wallet', creditAccountId: 'shop', amount: '10', currency: 'EUR' };

  const cases: [string, unknown, string][] = [
    ['an amount as a JSON number', { ...valid, amount: 10 }, 'amount'],
    ['a huge amount', { ...valid, amount: '99999999999999999999999999' }, 'amount'],
    ['an amount just past 64 bits', { ...valid, amount: '9223372036854775808' }, 'amount'],
    ['a zero amount', { ...valid, amount: '0' }, 'amount'],
    ['a negative amount', { ...valid, amount: '-10' }, 'amount'],
    ['an exponent', { ...valid, amount: '1e3' }, 'amount'],
    ['a wrong type for an account', { ...valid, debitAccountId: 42 }, 'debitAccountId'],
    ['a missing field', { debitAccountId: 'wallet', amount: '1', currency: 'EUR' }, 'creditAccountId'],
    ['a very long id', { ...valid, id: 'i'.repeat(10_000) }, 'id'],
    ['odd unicode in an id', { ...valid, id: 'pa\u0000y' }, 'id'],
    ['right-to-left override in an id', { ...valid, id: 'pay\u202Egpj' }, 'id'],
    ['an unknown currency', { ...valid, currency: 'ZZZ' }, 'currency'],
    ['an unknown field', { ...valid, admin: true }, '(body)'],
    ['an array body', [valid], '(body)'],
    ['a null body', null, '(body)'],
  ];

  it.each(cases)('refuses %s with a 400 naming the field', async (_, body, field) => {
    const before = await stack.ledgerTransfers('acme');
    const reply = await acme.post('/v1/transfers', body);
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.type).toBe('https://meridian.dev/problems/validation-failed');
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await stack.ledgerTransfers('acme')).toEqual(before);
  });

  it('refuses malformed JSON, the wrong media type, an oversized body and malformed headers', async () => {
    const auth = { authorization: `Bearer ${acme.token}`, 'idempotency-key': randomUUID() };
    const malformed = await request(stack.url, 'POST', '/v1/transfers', '{"amount": ', auth);
    expect([malformed.status, malformed.body.type]).toEqual([
      400,
      'https://meridian.dev/problems/malformed-json',
    ]);
    const xml = await request(stack.url, 'POST', '/v1/transfers', '<transfer/>', {
      ...auth,
      'content-type': 'application/xml',
    });
    expect(xml.status).toBe(415);
    // The api answers from Content-Length alone and closes the connection without reading the body, so a client
    // still uploading may see the connection reset before the answer: send the headers and a few bytes.
    const oversized = JSON.stringify({ ...valid, metadata: { x: 'y'.repeat(2_000_000) } });
    const partial = await PartialRequest.open(stack.api.service.port, '/v1/transfers', oversized, 100, auth);
    const huge = await partial.response;
    expect([huge.status, (JSON.parse(huge.body) as { type: string }).type]).toEqual([
      413,
      'https://meridian.dev/problems/payload-too-large',
    ]);
    const longKey = await acme.post('/v1/transfers', valid, 'k'.repeat(300));
    expect([longKey.status, longKey.body.type]).toEqual([
      400,
      'https://meridian.dev/problems/idempotency-key-invalid',
    ]);
    const spaceKey = await acme.post('/v1/transfers', valid, 'has spaces in it');
    expect(spaceKey.status).toBe(400);
    const badAuth = await request(stack.url, 'POST', '/v1/transfers', valid, {
      authorization: 'Bearer \u00e9t\u00e9',
      'idempotency-key': randomUUID(),
    });
    expect(badAuth.status).toBe(401);
    expect(await stack.ledgerTransfers('acme')).toEqual([]);
  });

  it('refuses bad paths and queries with a 400, and unknown routes with a 404 problem', async () => {
    expect((await acme.get(`/v1/accounts/${'a'.repeat(65)}`)).status).toBe(400);
    expect((await acme.get('/v1/accounts?limit=lots')).status).toBe(400);
    expect((await acme.get('/v1/accounts?limit=10&sort=desc')).status).toBe(400);
    const unknown = await acme.get('/v2/accounts');
    expect([unknown.status, unknown.body.type]).toEqual([404, 'https://meridian.dev/problems/not-found']);
  });

  it('is still healthy after all of it', async () => {
    expect((await request(stack.api.service.managementUrl, 'GET', '/health/ready')).status).toBe(200);
    expect(stack.api.service.logs().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });
});
