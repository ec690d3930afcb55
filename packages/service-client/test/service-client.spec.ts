import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { InternalServiceSettings } from '@meridian/config';
import pino from 'pino';
import { errors } from 'undici';
import { ServiceClient, serviceErrorProblem } from '../src';

/** A stand-in HTTP server whose answers each test scripts (the real ledger is used in the api's e2e tests). */
async function server(answer: (count: number) => { status: number } | 'hang up' | 'never') {
  let count = 0;
  const http: Server = createServer((_req, res) => {
    const scripted = answer(++count);
    // The connection drops before any answer, as when a process dies mid-request.
    if (scripted === 'hang up') return res.socket?.destroy();
    // No answer at all: only the client's timeout ends the call.
    if (scripted === 'never') return;
    res.writeHead(scripted.status, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    calls: () => count,
    close: () => {
      http.closeAllConnections();
      http.close();
    },
  };
}

const settings = (
  url: string,
  overrides: Partial<InternalServiceSettings> = {},
): InternalServiceSettings => ({
  name: 'ledger',
  title: 'ledger',
  url,
  replicaUrls: [],
  token: 't'.repeat(32),
  // Generous, so that only the tests about timeouts (which set their own) can time out on a loaded machine.
  timeoutMs: 5_000,
  deadlineMs: 10_000,
  retries: 2,
  // Judged over 1 s, from 3 calls on: 3 failures of 3 open it.
  breakerFailurePercent: 75,
  breakerWindowMs: 1_000,
  breakerMinRps: 3,
  breakerHalfOpenMs: 300,
  maxConcurrency: 4,
  maxQueue: 0,
  ...overrides,
});

const logger = pino({ level: 'silent' });

/** Never enough calls to judge: the breaker stays closed. */
const closedBreaker = { breakerMinRps: 100_000 };

describe('ServiceClient', () => {
  it('passes answers through, 4xx included, and retries a GET while the service is unavailable', async () => {
    const ledger = await server((n) => ({ status: n <= 2 ? 503 : 404 }));
    const client = new ServiceClient(settings(ledger.url, closedBreaker), logger);
    expect((await client.get('/x')).status).toBe(404);
    expect(ledger.calls()).toBe(3);
    ledger.close();
  });

  it('retries a write whose connection dropped or that was refused with 503, but never one that timed out', async () => {
    const dropped = await server((n) => (n === 1 ? 'hang up' : n === 2 ? { status: 503 } : { status: 200 }));
    const client = new ServiceClient(settings(dropped.url, closedBreaker), logger);
    expect((await client.post('/x', {})).status).toBe(200);
    expect(dropped.calls()).toBe(3);
    const slow = await server(() => 'never');
    const client2 = new ServiceClient(settings(slow.url, { ...closedBreaker, timeoutMs: 200 }), logger);
    await expect(client2.post('/x', {})).rejects.toMatchObject({
      problem: { status: 503, detail: expect.stringContaining('timed out') },
    });
    expect(slow.calls()).toBe(1);
    dropped.close();
    slow.close();
  });

  it('passes a 500 on without retrying it, and never counts it toward opening the breaker', async () => {
    const buggy = await server(() => ({ status: 500 }));
    const client = new ServiceClient(settings(buggy.url), logger);
    for (let i = 0; i < 10; i++) expect((await client.get('/x')).status).toBe(500);
    expect(buggy.calls()).toBe(10);
    buggy.close();
  });

  it('rethrows a request undici refuses to send (a malformed path) unretried and uncounted, so the breaker stays closed for the next call', async () => {
    const ledger = await server(() => ({ status: 200 }));
    // Ten refusals in a window where three failures of three would open the breaker.
    const client = new ServiceClient(
      settings(ledger.url, { breakerWindowMs: 60_000, breakerMinRps: 0.01 }),
      logger,
    );
    for (let i = 0; i < 10; i++) {
      const error: unknown = await client.get('/accounts/a b\u0000').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(errors.InvalidArgumentError);
    }
    expect(ledger.calls()).toBe(0);
    expect((await client.get('/x')).status).toBe(200);
    await client.close();
    ledger.close();
  });

  it('closes its keep-alive connections on close, after the calls in flight have answered', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const http = createServer((_req, res) => {
      void held.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as { port: number };
    const client = new ServiceClient(settings(`http://127.0.0.1:${port}`, closedBreaker), logger);
    const socketClosed = new Promise<void>((resolve) =>
      http.once('connection', (socket: Socket) => socket.once('close', () => resolve())),
    );
    const inFlight = client.get('/slow');
    await new Promise<void>((resolve) => http.once('request', () => resolve()));
    const closed = client.close();
    release();
    expect((await inFlight).status).toBe(200);
    await closed;
    // The client ended its kept-alive connection itself: the server never closed it.
    await socketClosed;
    http.close();
  });

  it('stays closed while a share of calls below the threshold fails, even in runs of failures (one dead replica of two behind a Service)', async () => {
    // Both replicas answered 12 calls; then one dies, and attempts fail three in a row (its
    // pooled connections fail together), then three succeed.
    const replicas = await server((n) =>
      n > 12 && Math.floor((n - 13) / 3) % 2 === 0 ? 'hang up' : { status: 200 },
    );
    // One window for the whole test, however slow the machine.
    const client = new ServiceClient(settings(replicas.url, { retries: 3, breakerWindowMs: 60_000 }), logger);
    const replies = [];
    for (let i = 0; i < 24; i++) replies.push((await client.post('/x', {})).status);
    expect(replies).toEqual(Array(24).fill(200));
    // 12 of 36 attempts failed, in runs of three: a breaker counting consecutive failures would have opened.
    expect(replicas.calls()).toBe(36);
    replicas.close();
  });

  it('opens the breaker once the share of failed calls passes the threshold, fails fast, and closes it after a good trial call', async () => {
    let healthy = false;
    const ledger = await server(() => ({ status: healthy ? 200 : 503 }));
    const client = new ServiceClient(settings(ledger.url, { retries: 0 }), logger);
    for (let i = 0; i < 3; i++)
      await expect(client.get('/x')).rejects.toMatchObject({ problem: { status: 503 } });
    await expect(client.get('/x')).rejects.toMatchObject({
      problem: { detail: expect.stringContaining('circuit open') },
    });
    expect(ledger.calls()).toBe(3);
    healthy = true;
    // Half-open after breakerHalfOpenMs: the first call that gets through is the trial.
    let reply = await client.get('/x').catch(() => null);
    while (reply === null) {
      await new Promise((r) => setTimeout(r, 50));
      reply = await client.get('/x').catch(() => null);
    }
    expect(reply.status).toBe(200);
    ledger.close();
  });

  it('times out a slow call and rejects beyond the bulkhead at once', async () => {
    const ledger = await server(() => 'never');
    const client = new ServiceClient(
      settings(ledger.url, { retries: 0, maxConcurrency: 1, ...closedBreaker, timeoutMs: 200 }),
      logger,
    );
    const results = await Promise.allSettled([client.get('/a'), client.get('/b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const reasons = results.map(
      (r) => ((r as PromiseRejectedResult).reason as { problem: { detail: string } }).problem.detail,
    );
    expect(reasons.some((d) => d.includes('timed out'))).toBe(true);
    expect(reasons.some((d) => d.includes('too many calls in flight'))).toBe(true);
    ledger.close();
  });

  it('names the callee in its problems: <callee>-unavailable when it cannot answer, <callee>-error when it answers an error', async () => {
    const settlement = await server((n) => ({ status: n === 1 ? 500 : 503 }));
    const client = new ServiceClient(
      settings(settlement.url, { name: 'settlement', title: 'settlement service', retries: 0 }),
      logger,
    );
    const reply = await client.get('/x');
    expect(reply.service).toEqual({ name: 'settlement', title: 'settlement service' });
    expect(serviceErrorProblem(reply).problem).toMatchObject({
      type: 'https://meridian.dev/problems/settlement-error',
      status: 502,
      title: 'The settlement service answered unexpectedly',
    });
    await expect(client.get('/x')).rejects.toMatchObject({
      problem: {
        type: 'https://meridian.dev/problems/settlement-unavailable',
        status: 503,
        title: 'The settlement service is unavailable',
      },
    });
    settlement.close();
  });

  it('sends a call with an affinity key to its replica, and while that replica fails to the Service, with the failed attempt retried there', async () => {
    const service = await server(() => ({ status: 200 }));
    const replica0 = await server(() => ({ status: 200 }));
    const replica1 = await server((n) => (n === 2 ? 'hang up' : { status: 200 }));
    const client = new ServiceClient(
      settings(service.url, { ...closedBreaker, replicaUrls: [replica0.url, replica1.url] }),
      logger,
      (key) => (key === 'tenant-one' ? 1 : 0),
    );
    try {
      expect((await client.post('/x', {}, { affinityKey: 'tenant-one' })).status).toBe(200);
      expect((await client.post('/x', {}, { affinityKey: 'tenant-zero' })).status).toBe(200);
      expect([service.calls(), replica0.calls(), replica1.calls()]).toEqual([0, 1, 1]);
      // Replica 1 hangs up on its second call: that attempt goes again to the Service, and so do the next ones.
      expect((await client.post('/x', {}, { affinityKey: 'tenant-one' })).status).toBe(200);
      expect((await client.post('/x', {}, { affinityKey: 'tenant-one' })).status).toBe(200);
      expect([service.calls(), replica0.calls(), replica1.calls()]).toEqual([2, 1, 2]);
      // Without a key, always the Service.
      expect((await client.post('/x', {})).status).toBe(200);
      expect(service.calls()).toBe(3);
    } finally {
      await client.close();
      for (const s of [service, replica0, replica1]) s.close();
    }
  });
});
