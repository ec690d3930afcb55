import { createServer, type Server } from 'node:http';
import type { LedgerClientConfig } from '@meridian/config';
import pino from 'pino';
import { LedgerClient } from '../src';

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

const config = (url: string, overrides: Partial<LedgerClientConfig> = {}): LedgerClientConfig => ({
  LEDGER_URL: url,
  LEDGER_TOKEN: 't'.repeat(32),
  LEDGER_TIMEOUT_MS: 200,
  LEDGER_DEADLINE_MS: 2_000,
  LEDGER_RETRIES: 2,
  LEDGER_BREAKER_FAILURES: 3,
  LEDGER_BREAKER_HALF_OPEN_MS: 300,
  LEDGER_MAX_CONCURRENCY: 4,
  LEDGER_MAX_QUEUE: 0,
  ...overrides,
});

const logger = pino({ level: 'silent' });

describe('LedgerClient', () => {
  it('passes answers through, 4xx included, and retries a GET while the service is unavailable', async () => {
    const ledger = await server((n) => ({ status: n <= 2 ? 503 : 404 }));
    const client = new LedgerClient(config(ledger.url, { LEDGER_BREAKER_FAILURES: 10 }), logger);
    expect((await client.get('/x')).status).toBe(404);
    expect(ledger.calls()).toBe(3);
    ledger.close();
  });

  it('retries a write whose connection dropped or that was refused with 503, but never one that timed out', async () => {
    const dropped = await server((n) => (n === 1 ? 'hang up' : n === 2 ? { status: 503 } : { status: 200 }));
    const client = new LedgerClient(config(dropped.url, { LEDGER_BREAKER_FAILURES: 10 }), logger);
    expect((await client.post('/x', {})).status).toBe(200);
    expect(dropped.calls()).toBe(3);
    const slow = await server(() => 'never');
    const client2 = new LedgerClient(config(slow.url, { LEDGER_BREAKER_FAILURES: 10 }), logger);
    await expect(client2.post('/x', {})).rejects.toMatchObject({
      problem: { status: 503, detail: expect.stringContaining('timed out') },
    });
    expect(slow.calls()).toBe(1);
    dropped.close();
    slow.close();
  });

  it('passes a 500 on without retrying it, and never counts it toward opening the breaker', async () => {
    const buggy = await server(() => ({ status: 500 }));
    const client = new LedgerClient(config(buggy.url), logger);
    for (let i = 0; i < 10; i++) expect((await client.get('/x')).status).toBe(500);
    expect(buggy.calls()).toBe(10);
    buggy.close();
  });

  it('opens the breaker after consecutive failures and closes it after a good trial call', async () => {
    let healthy = false;
    const ledger = await server(() => ({ status: healthy ? 200 : 503 }));
    const client = new LedgerClient(config(ledger.url, { LEDGER_RETRIES: 0 }), logger);
    for (let i = 0; i < 3; i++)
      await expect(client.get('/x')).rejects.toMatchObject({ problem: { status: 503 } });
    await expect(client.get('/x')).rejects.toMatchObject({
      problem: { detail: expect.stringContaining('circuit open') },
    });
    expect(ledger.calls()).toBe(3);
    healthy = true;
    // Half-open after LEDGER_BREAKER_HALF_OPEN_MS: the first call that gets through is the trial.
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
    const client = new LedgerClient(
      config(ledger.url, { LEDGER_RETRIES: 0, LEDGER_MAX_CONCURRENCY: 1, LEDGER_BREAKER_FAILURES: 100 }),
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
});
