import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ProblemException, problemType } from '@meridian/bootstrap';
import { Redis } from 'ioredis';
import { Idempotent, IdempotencyInterceptor } from '../../src/http/idempotency.interceptor';
import { IdempotencyStore } from '../../src/infrastructure/redis/idempotency.store';
import { ApiKeyGuard } from '../../src/http/api-key.guard';
import { RateLimitGuard } from '../../src/http/rate-limit.guard';
import { TenantRateLimit } from '../../src/infrastructure/redis/tenant-rate-limit';
import { ApiKeyStore } from '../../src/application/api-key.store';
import { AuthFailureLimiter } from '../../src/infrastructure/redis/auth-failure.limiter';
import { BusinessProblem } from '../../src/http/business-problem';
import { gate, InProcessApi } from './support/in-process-api';

interface Payment {
  amount: string;
  /** Stay in the handler until the test opens `handler.gate`. */
  hold?: boolean;
  /** `declined`: a business outcome (stored); `unavailable`: a failure a retry may fix (not stored). */
  outcome?: 'declined' | 'unavailable';
}

/** What the handler has run, and a gate that holds it when asked to. */
const handler = {
  runs: [] as Payment[],
  gate: gate(),
  entered: gate(),
};

@Controller('probe')
@UseGuards(ApiKeyGuard, RateLimitGuard)
class PaymentsController {
  /** A read: counted by RateLimitGuard, in the same budget as the writes. */
  @Get('payments')
  list() {
    return [];
  }

  @Post('payments')
  @Idempotent()
  @HttpCode(201)
  async pay(@Body() payment: Payment) {
    handler.runs.push(payment);
    if (payment.hold) {
      handler.entered.open();
      await handler.gate.opened;
    }
    if (payment.outcome === 'declined') {
      throw new BusinessProblem({
        type: problemType('payment-declined'),
        title: 'Declined',
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        detail: 'The payment was declined.',
      });
    }
    if (payment.outcome === 'unavailable') {
      throw ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, 'unavailable', 'Unavailable', 'Try again.');
    }
    return { id: `payment-${handler.runs.length}`, amount: payment.amount };
  }
}

const problem = (slug: string) => expect.objectContaining({ type: `https://meridian.dev/problems/${slug}` });

describe('IdempotencyInterceptor (in process: real Redis)', () => {
  let api: InProcessApi;
  let redis: Redis;
  let acme: { token: string };
  let globex: { token: string };

  const pay = (client: { token: string }, key: string | null, payment: Payment) =>
    api.request('POST', '/probe/payments', {
      token: client.token,
      headers: key === null ? {} : { 'idempotency-key': key },
      body: payment,
    });
  /** The tenant's records in Redis for this key. */
  const recordOf = async (tenantId: string, key: string) => {
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update(key).digest('hex');
    const value = await redis.get(`${api.redis.prefix}:idempotency:${tenantId}:${digest}`);
    return value === null ? null : (JSON.parse(value) as { state: string; status?: number; body?: unknown });
  };

  beforeAll(async () => {
    api = await InProcessApi.start({
      label: 'api_http_idempotency',
      controllers: [PaymentsController],
      providers: [
        ApiKeyGuard,
        ApiKeyStore,
        AuthFailureLimiter,
        IdempotencyStore,
        TenantRateLimit,
        RateLimitGuard,
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
      env: { RATE_LIMIT_REQUESTS: '100', RATE_LIMIT_WINDOW_SECONDS: '3600' },
    });
    redis = new Redis(api.redis.url);
    acme = await api.tenantKey('acme', ['write']);
    globex = await api.tenantKey('globex', ['write']);
  });

  beforeEach(() => {
    handler.runs = [];
    handler.gate = gate();
    handler.entered = gate();
  });

  afterEach(() => handler.gate.open());

  afterAll(async () => {
    redis?.disconnect();
    await api?.stop();
  });

  it("claims a new key: runs the handler once, answers without Idempotent-Replayed, and stores the response as the tenant's record", async () => {
    const key = randomUUID();
    const reply = await pay(acme, key, { amount: '10' });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('idempotent-replayed')).toBeNull();
    expect(reply.body).toEqual({ id: 'payment-1', amount: '10' });
    expect(handler.runs).toHaveLength(1);
    expect(await recordOf('acme', key)).toMatchObject({ state: 'done', status: 201, body: reply.body });
    expect(await recordOf('globex', key)).toBeNull();
  });

  it('replays the same key with the same body: the stored status and body, Idempotent-Replayed: true, and the handler does not run again', async () => {
    const key = randomUUID();
    const first = await pay(acme, key, { amount: '11' });
    const again = await pay(acme, key, { amount: '11' });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(again.body).toEqual(first.body);
    expect(handler.runs).toHaveLength(1);
  });

  it('refuses the same key with a different body: 422 idempotency-key-reused, and the handler does not run', async () => {
    const key = randomUUID();
    expect((await pay(acme, key, { amount: '12' })).status).toBe(201);
    const other = await pay(acme, key, { amount: '13' });
    expect(other.status).toBe(422);
    expect(other.body).toEqual(problem('idempotency-key-reused'));
    expect(handler.runs).toEqual([{ amount: '12' }]);
  });

  it('answers 409 idempotency-key-in-flight with Retry-After: 1 while the first request with the key runs, then replays its result', async () => {
    const key = randomUUID();
    const first = pay(acme, key, { amount: '14', hold: true });
    await handler.entered.opened;
    const during = await pay(acme, key, { amount: '14', hold: true });
    expect(during.status).toBe(409);
    expect(during.body).toEqual(problem('idempotency-key-in-flight'));
    expect(during.headers.get('retry-after')).toBe('1');
    expect(await recordOf('acme', key)).toMatchObject({ state: 'in_flight' });
    handler.gate.open();
    const done = await first;
    expect(done.status).toBe(201);
    const after = await pay(acme, key, { amount: '14', hold: true });
    expect([after.status, after.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(after.body).toEqual(done.body);
    expect(handler.runs).toHaveLength(1);
  });

  it('needs a well-formed key: 400 idempotency-key-missing or idempotency-key-invalid, with nothing run or stored', async () => {
    const missing = await pay(acme, null, { amount: '15' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual(problem('idempotency-key-missing'));
    const invalid = await pay(acme, 'has spaces', { amount: '15' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual(problem('idempotency-key-invalid'));
    expect(handler.runs).toEqual([]);
    expect(await recordOf('acme', 'has spaces')).toBeNull();
  });

  it('stores a business outcome and replays it; forgets a failure a retry may fix, so the retry runs the handler again', async () => {
    const declinedKey = randomUUID();
    const declined = await pay(acme, declinedKey, { amount: '16', outcome: 'declined' });
    expect(declined.status).toBe(422);
    expect(declined.body).toEqual(problem('payment-declined'));
    const replayed = await pay(acme, declinedKey, { amount: '16', outcome: 'declined' });
    expect([replayed.status, replayed.headers.get('idempotent-replayed')]).toEqual([422, 'true']);
    expect(replayed.body).toEqual(declined.body);
    expect(handler.runs).toHaveLength(1);

    const failedKey = randomUUID();
    const failed = await pay(acme, failedKey, { amount: '17', outcome: 'unavailable' });
    expect(failed.status).toBe(503);
    expect(await recordOf('acme', failedKey)).toBeNull();
    const retried = await pay(acme, failedKey, { amount: '17', outcome: 'unavailable' });
    expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([503, null]);
    expect(handler.runs).toHaveLength(3);
  });

  it('keeps keys per tenant: the same key from another tenant is a new request', async () => {
    const key = randomUUID();
    const a = await pay(acme, key, { amount: '18' });
    const g = await pay(globex, key, { amount: '19' });
    expect([a.status, g.status]).toEqual([201, 201]);
    expect(g.headers.get('idempotent-replayed')).toBeNull();
    expect(handler.runs).toEqual([{ amount: '18' }, { amount: '19' }]);
  });
  it('counts reads and writes in one budget, a write refused for its key too; past the limit, 429 rate-limited with nothing claimed or run', async () => {
    const initech = await api.tenantKey('initech', ['write']);
    const counter = `${api.redis.prefix}:ratelimit:initech`;
    const runs = handler.runs.length;
    // The tenant has spent 97 of its 100 requests this window.
    await redis.set(counter, '97', 'PX', 3_600_000);
    const read = await api.request('GET', '/probe/payments', { token: initech.token });
    expect(read.headers.get('ratelimit-remaining')).toBe('2');
    const keyless = await pay(initech, null, { amount: '1' });
    expect(keyless.status).toBe(400);
    expect(keyless.headers.get('ratelimit-remaining')).toBe('1');
    const last = await pay(initech, 'rl-1', { amount: '1' });
    expect(last.status).toBe(201);
    expect(last.headers.get('ratelimit-limit')).toBe('100');
    expect(last.headers.get('ratelimit-remaining')).toBe('0');
    const refused = await pay(initech, 'rl-2', { amount: '2' });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(problem('rate-limited'));
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(await recordOf('initech', 'rl-2')).toBeNull();
    // Refused again without asking Redis: this replica knows the tenant is out until the window ends.
    expect((await pay(initech, 'rl-1', { amount: '1' })).status).toBe(429);
    expect((await api.request('GET', '/probe/payments', { token: initech.token })).status).toBe(429);
    expect(await redis.get(counter)).toBe('101');
    expect(handler.runs.length).toBe(runs + 1);
  });

  it('counts a write in the same Redis command that claims its key: one round trip before the handler', async () => {
    const hooli = await api.tenantKey('hooli', ['write']);
    const counter = `${api.redis.prefix}:ratelimit:hooli`;
    const client = new Redis(api.redis.url);
    const monitor = await client.monitor();
    const commands: string[][] = [];
    const sentinel = `sentinel-${randomUUID()}`;
    const sentinelSeen = new Promise<void>((resolve) =>
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        // Commands a script runs are reported too, from source "lua": only what the api sent counts.
        if (source !== 'lua' && args.some((arg) => arg.includes(counter))) commands.push(args);
        if (args.includes(sentinel)) resolve();
      }),
    );
    try {
      expect((await pay(hooli, 'one-trip', { amount: '1' })).status).toBe(201);
      // MONITOR reports commands in the order Redis ran them: once the sentinel shows, the write's have.
      await redis.echo(sentinel);
      await sentinelSeen;
    } finally {
      monitor.disconnect();
      client.disconnect();
    }
    expect(commands).toHaveLength(1);
    expect(commands[0]!.some((arg) => arg.includes(`:idempotency:hooli:`))).toBe(true);
  });
});
