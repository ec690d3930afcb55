import { createMeridianClient, idempotencyKeyOf, MeridianNetworkError, type Problem } from '../src';

const transfer = {
  tenantId: 'acme',
  id: 'order-1',
  debitAccountId: 'wallet',
  creditTenantId: 'acme',
  creditAccountId: 'shop',
  amount: '10',
  currency: 'EUR',
  code: 0,
  metadata: {},
  flags: { pending: false, postPending: false, voidPending: false, linked: false },
  createdAt: '2026-11-30T09:15:02.118Z',
};
const body = { debitAccountId: 'wallet', creditAccountId: 'shop', amount: '10', currency: 'EUR' };

const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), {
    status,
    headers: {
      'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
      ...headers,
    },
  });

const problem = (status: number, slug: string): Problem => ({
  type: `https://meridian.dev/problems/${slug}`,
  title: slug,
  status,
});

/** A fetch that answers from a script, one answer (or thrown error) per request, and keeps what it was sent. */
function scripted(...answers: (Response | Error)[]) {
  const seen: { method: string; url: string; headers: Headers; body: string }[] = [];
  const send = async (request: Request) => {
    seen.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: await request.text(),
    });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no answer scripted');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { send, seen };
}

describe('the Meridian client', () => {
  const client = (send: (request: Request) => Promise<Response>) =>
    createMeridianClient({
      baseUrl: 'http://api.test',
      apiKey: 'mk_0123456789abcdef_secret',
      fetch: send,
      retry: { attempts: 3, maxDelayMs: 50 },
    });

  it('sends the API key and a new Idempotency-Key with a POST that has none, and types the answer', async () => {
    const api = scripted(json(201, transfer));
    const { data, error, response } = await client(api.send).POST('/v1/transfers', { body });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(data?.amount).toBe('10');
    const [sent] = api.seen;
    expect(sent!.url).toBe('http://api.test/v1/transfers');
    expect(sent!.headers.get('authorization')).toBe('Bearer mk_0123456789abcdef_secret');
    expect(sent!.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(sent!.body)).toEqual(body);
  });

  it('gives each call its own key, and keeps one the caller gives', async () => {
    const api = scripted(json(201, transfer), json(201, transfer), json(200, transfer));
    const meridian = client(api.send);
    await meridian.POST('/v1/transfers', { body });
    await meridian.POST('/v1/transfers', { body });
    await meridian.POST('/v1/transfers', { body, params: { header: { 'Idempotency-Key': 'order-1-try' } } });
    const keys = api.seen.map((s) => s.headers.get('idempotency-key'));
    expect(new Set(keys).size).toBe(3);
    expect(keys[2]).toBe('order-1-try');
  });

  it('retries a call whose connection failed, or that found the service unavailable, with the same key and body', async () => {
    const api = scripted(
      new TypeError('fetch failed'),
      json(503, problem(503, 'ledger-unavailable'), { 'retry-after': '0' }),
      json(201, transfer),
    );
    const { data } = await client(api.send).POST('/v1/transfers', { body });
    expect(data?.id).toBe('order-1');
    expect(api.seen).toHaveLength(3);
    expect(new Set(api.seen.map((s) => s.headers.get('idempotency-key'))).size).toBe(1);
    expect(api.seen.map((s) => JSON.parse(s.body))).toEqual([body, body, body]);
  });

  it('waits for a first request still in flight, then gets its answer', async () => {
    const api = scripted(json(409, problem(409, 'idempotency-key-in-flight')), json(201, transfer));
    const { data } = await client(api.send).POST('/v1/transfers', { body });
    expect(data?.id).toBe('order-1');
    expect(api.seen[0]!.headers.get('idempotency-key')).toBe(api.seen[1]!.headers.get('idempotency-key'));
  });

  it('returns a problem as a typed error, without retrying what retrying cannot change', async () => {
    const api = scripted(json(422, problem(422, 'insufficient-funds')));
    const { data, error, response } = await client(api.send).POST('/v1/transfers', { body });
    expect(data).toBeUndefined();
    expect(response.status).toBe(422);
    expect(error?.type).toBe('https://meridian.dev/problems/insufficient-funds');
    expect(api.seen).toHaveLength(1);
  });

  it('gives up after the attempts allowed, returning the last answer', async () => {
    const unavailable = () => json(503, problem(503, 'ledger-unavailable'), { 'retry-after': '0' });
    const api = scripted(unavailable(), unavailable(), unavailable());
    const { error } = await client(api.send).GET('/v1/accounts/{id}', { params: { path: { id: 'wallet' } } });
    expect(error?.status).toBe(503);
    expect(api.seen).toHaveLength(3);
  });

  it('returns a 429 that asks for a longer wait than allowed at once', async () => {
    const api = scripted(json(429, problem(429, 'rate-limited'), { 'retry-after': '60' }));
    const { error } = await client(api.send).GET('/v1/accounts');
    expect(error?.type).toBe('https://meridian.dev/problems/rate-limited');
    expect(api.seen).toHaveLength(1);
  });

  it('tells the caller the key it made, with an answer that leaves the outcome open (503 after every attempt)', async () => {
    const unavailable = () => json(503, problem(503, 'ledger-unavailable'), { 'retry-after': '0' });
    const api = scripted(unavailable(), unavailable(), unavailable());
    const { error, response } = await client(api.send).POST('/v1/transfers', { body });
    expect(error?.status).toBe(503);
    expect(idempotencyKeyOf(response)).toBe(api.seen[0]!.headers.get('idempotency-key'));
  });

  it('tells the caller the key it made when no answer came at all, as a MeridianNetworkError', async () => {
    const api = scripted(
      new TypeError('fetch failed'),
      new TypeError('fetch failed'),
      new TypeError('fetch failed'),
    );
    const failure = await client(api.send)
      .POST('/v1/transfers', { body })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MeridianNetworkError);
    expect((failure as MeridianNetworkError).idempotencyKey).toBe(
      api.seen[0]!.headers.get('idempotency-key'),
    );
    expect(api.seen).toHaveLength(3);
  });

  it('retries only a failed connection: any other error (a bug, an abort) reaches the caller at once', async () => {
    const api = scripted(new RangeError('not a network failure'), json(201, transfer));
    await expect(client(api.send).POST('/v1/transfers', { body })).rejects.toThrow('not a network failure');
    expect(api.seen).toHaveLength(1);
  });
});
