import { createServer, type Server } from 'node:http';
import type { LedgerClientConfig } from '@meridian/config';
import pino from 'pino';
import { LedgerClient } from '../src';

/** A stand-in HTTP server whose answers each test scripts (the real ledger is used in the api's e2e tests). */
async function server(answer: (count: number) => { status: number; delayMs?: number }) {
  let count = 0;
  const http: Server = createServer((_req, res) => {
    const { status, delayMs = 0 } = answer(++count);
    setTimeout(
      () => res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}'),
      delayMs,
    );
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    calls: () => count,
    close: () => http.close(),
  };
}

const config = (url: string, overrides: Partial<LedgerClientConfig> = {}): LedgerClientConfig => ({
  LEDGER_URL: url,
  LEDGER_SERVICE_TOKEN: 't'.repeat(32),
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
  it('passes answers through, 4xx included, and retries a failing GET but not a POST', async () => {
    const ledger = await server((n) => ({ status: n <= 2 ? 503 : 404 }));
    const client = new LedgerClient(config(ledger.url, { LEDGER_BREAKER_FAILURES: 10 }), logger);
    expect((await client.get('/x')).status).toBe(404);
    expect(ledger.calls()).toBe(3);
    const failing = await server(() => ({ status: 503 }));
    const client2 = new LedgerClient(config(failing.url, { LEDGER_BREAKER_FAILURES: 10 }), logger);
    await expect(client2.post('/x', {})).rejects.toMatchObject({ problem: { status: 503 } });
    expect(failing.calls()).toBe(1);
    ledger.close();
    failing.close();
  });

  it('opens the breaker after consecutive failures and closes it after a good trial call', async () => {
    let healthy = false;
    const ledger = await server(() => ({ status: healthy ? 200 : 500 }));
    const client = new LedgerClient(config(ledger.url, { LEDGER_RETRIES: 0 }), logger);
    for (let i = 0; i < 3; i++)
      await expect(client.get('/x')).rejects.toMatchObject({ problem: { status: 503 } });
    await expect(client.get('/x')).rejects.toMatchObject({
      problem: { detail: expect.stringContaining('circuit open') },
    });
    expect(ledger.calls()).toBe(3);
    healthy = true;
    await new Promise((r) => setTimeout(r, 350));
    expect((await client.get('/x')).status).toBe(200);
    ledger.close();
  });

  it('times out a slow call and rejects beyond the bulkhead at once', async () => {
    const ledger = await server(() => ({ status: 200, delayMs: 500 }));
    const client = new LedgerClient(
      config(ledger.url, { LEDGER_RETRIES: 0, LEDGER_MAX_CONCURRENCY: 1, LEDGER_BREAKER_FAILURES: 100 }),
      logger,
    );
    const started = Date.now();
    const results = await Promise.allSettled([client.get('/a'), client.get('/b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const reasons = results.map(
      (r) => ((r as PromiseRejectedResult).reason as { problem: { detail: string } }).problem.detail,
    );
    expect(reasons.some((d) => d.includes('timed out'))).toBe(true);
    expect(reasons.some((d) => d.includes('too many calls in flight'))).toBe(true);
    expect(Date.now() - started).toBeLessThan(450);
    ledger.close();
  });
});
