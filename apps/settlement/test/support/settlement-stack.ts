import { LEDGER_EVENTS_QUEUE } from '@meridian/ledger-contract';
import {
  callerTokenEnv,
  createRedisNamespace,
  query,
  type RunningServiceWithDatabase,
  SeededRandom,
  startWithDatabase,
  TcpProxy,
  type TestRedisNamespace,
} from '@meridian/testing';
import { Queue } from 'bullmq';
import { CUTOFFS_QUEUE } from '../../src/infrastructure/queue/queues';

/** The api's token, as both the ledger and the settlement service accept it (tests call them as the api does). */
export const TOKEN = 'settlement-e2e-api-token-0123456789abcdef01';
/** The settlement service's own token for the ledger. */
export const SETTLEMENT_LEDGER_TOKEN = 'settlement-e2e-ledger-token-0123456789abcd';
/** The operator's token for the settlement service's /admin endpoints. */
export const ADMIN_TOKEN = 'settlement-e2e-admin-token-0123456789abcdef';
export const TENANTS = ['acme', 'globex', 'initech', 'umbrella'];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined/false, or fails naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * A real ledger (publishing its events) and a real settlement worker, each on
 * its own database, sharing one Redis prefix; the worker reaches Redis through
 * a TCP proxy, so tests can take Redis away from it.
 */
export class SettlementStack {
  settlement!: RunningServiceWithDatabase;
  /** Every random choice of the tests (payments, kill points), from the run's seed (see `seeded`). */
  readonly random = new SeededRandom();

  private constructor(
    readonly ledger: RunningServiceWithDatabase,
    readonly redis: TestRedisNamespace,
    readonly redisProxy: TcpProxy,
  ) {}

  static async start(label: string, settlementEnv: Record<string, string> = {}): Promise<SettlementStack> {
    const redis = createRedisNamespace(label);
    const ledger = await startWithDatabase('ledger', `${label}_ledger`, {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      ...callerTokenEnv('ledger', { api: TOKEN, settlement: SETTLEMENT_LEDGER_TOKEN }),
      LEDGER_OUTBOX_POLL_MS: '20',
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
    });
    const proxy = await TcpProxy.start(redis.host, redis.port);
    const stack = new SettlementStack(ledger, redis, proxy);
    stack.settlement = await startWithDatabase(
      'settlement',
      `${label}_settlement`,
      stack.settlementEnv(settlementEnv),
    );
    for (const tenant of TENANTS) {
      await stack.ledgerCall('POST', `/v1/tenants/${tenant}/accounts`, {
        accounts: ['EUR', 'USD'].flatMap((currency) => [
          { id: `main-${currency}`, currency, flags: { acceptsExternalCredits: true } },
          { id: `other-${currency}`, currency },
        ]),
      });
    }
    return stack;
  }

  settlementEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      REDIS_URL: `redis://${this.redisProxy.host}:${this.redisProxy.port}`,
      REDIS_KEY_PREFIX: this.redis.prefix,
      LEDGER_URL: this.ledger.service.url,
      LEDGER_TOKEN: SETTLEMENT_LEDGER_TOKEN,
      ...callerTokenEnv('settlement', { api: TOKEN }),
      ADMIN_TOKEN,
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
      // Instructions the ledger refuses are retried quickly.
      SETTLEMENT_RETRY_INTERVAL_MS: '100',
      SETTLEMENT_RETRY_BACKOFF_MS: '200',
      SETTLEMENT_RETRY_BACKOFF_MAX_MS: '1000',
      // Far in the future: cut-offs in tests are triggered on demand.
      SETTLEMENT_CUTOFF_CRON: '0 0 0 1 1 *',
      JOB_BACKOFF_MS: '200',
      // A job a killed worker left running is taken over within seconds, not a minute.
      JOB_LOCK_MS: '5000',
      ...extra,
    };
  }

  /** Calls the ledger as the api does (`token` SETTLEMENT_LEDGER_TOKEN: as the settlement service). */
  async ledgerCall(method: string, path: string, body?: unknown, token = TOKEN) {
    const response = await fetch(`${this.ledger.service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  /** Calls the settlement service, as the api by default (`token` ADMIN_TOKEN: as an operator). */
  /** A call to the internal API (public port), as the api makes it. */
  settlementCall(method: string, path: string, body?: unknown, token = TOKEN) {
    return this.call(this.settlement.service.url, method, path, body, token);
  }

  /** A call to an operator endpoint (/admin, on the management port). */
  adminCall(method: string, path: string, body?: unknown, token = ADMIN_TOKEN) {
    return this.call(this.settlement.service.managementUrl, method, path, body, token);
  }

  private async call(baseUrl: string, method: string, path: string, body: unknown, token: string) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async metrics(): Promise<string> {
    return fetch(`${this.settlement.service.managementUrl}/metrics`).then((r) => r.text());
  }

  /** Waits until no batch is left closing or posting (the retry loop finishes what a cut-off left). */
  async waitForBatchesCompleted(timeoutMs = 30_000): Promise<void> {
    try {
      await waitFor(
        'every batch to complete',
        async () =>
          (
            await this.settlementSql<{ n: number }>(
              "SELECT count(*)::int AS n FROM settlement_batches WHERE state <> 'completed'",
            )
          )[0]!.n === 0,
        timeoutMs,
      );
    } catch (error) {
      // What was left, and what the worker said about it: a timeout alone says nothing of why.
      const left = await this.settlementSql(
        `SELECT b.id, b.state, i.state AS instruction, i.last_error, i.attempts, i.next_attempt_at
           FROM settlement_batches b LEFT JOIN settlement_instructions i ON i.batch_id = b.id
          WHERE b.state <> 'completed'`,
      );
      const said = this.settlement.service.stdoutLines.filter((line) => /"level":"(warn|error)"/.test(line));
      throw new Error(
        `${(error as Error).message}\nleft: ${JSON.stringify(left)}\nworker warnings: ${said.slice(-20).join('\n')}`,
        { cause: error },
      );
    }
  }

  /** Posts `count` random transfers between tenants (and some within one) through the ledger; returns the cross-tenant ones. */
  async payments(count: number, prefix: string): Promise<number> {
    let crossTenant = 0;
    for (let i = 0; i < count; i += 100) {
      const transfers = Array.from({ length: Math.min(100, count - i) }, (_, j) => {
        const payer = this.random.pick(TENANTS);
        const payee = this.random.pick(TENANTS);
        const currency = this.random.pick(['EUR', 'USD']);
        if (payer !== payee) crossTenant++;
        return {
          tenant: payer,
          transfer: {
            id: `${prefix}-${i + j}`,
            debitAccountId: `main-${currency}`,
            creditTenantId: payee,
            // Within one tenant: between its own two accounts (no obligation).
            creditAccountId: payer === payee ? `other-${currency}` : `main-${currency}`,
            amount: String(this.random.int(1, 10_000)),
            currency,
          },
        };
      });
      for (const tenant of TENANTS) {
        const own = transfers.filter((t) => t.tenant === tenant).map((t) => t.transfer);
        if (own.length === 0) continue;
        const reply = await this.ledgerCall('POST', `/v1/tenants/${tenant}/transfers`, { transfers: own });
        const results = (reply.body.results as { result: string }[]).map((r) => r.result);
        if (results.some((r) => r !== 'created')) throw new Error(`payments failed: ${results.join(',')}`);
      }
    }
    return crossTenant;
  }

  obligations(where = 'true') {
    return this.settlementSql<{ n: number }>(
      `SELECT count(*)::int AS n FROM obligations WHERE ${where}`,
    ).then((r) => r[0]!.n);
  }

  async waitForObligations(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    while (Date.now() < deadline) {
      seen = await this.obligations();
      if (seen >= count) return;
      await sleep(100);
    }
    throw new Error(`only ${seen} of ${count} obligations recorded`);
  }

  /** A BullMQ handle on one of the stack's queues (close it after use). */
  queue(name: string): Queue {
    return new Queue(name, { connection: { url: this.redis.url }, prefix: this.redis.prefix });
  }

  /**
   * Waits until every event the ledger has committed so far is consumed: its
   * outbox published, and no ledger event left waiting, delayed or running in
   * the queue. Past this point a count of obligations is final, so a check
   * that something was *not* recorded (twice, or at all) means what it says.
   */
  async waitUntilEveryEventConsumed(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      'the ledger to publish every outbox event',
      async () =>
        (
          await this.ledgerSql<{ n: number }>(
            'SELECT (SELECT count(*) FROM partition_outbox WHERE published_at IS NULL)::int AS n',
          )
        )[0]!.n === 0,
      timeoutMs,
    );
    await this.waitUntilQueueIdle(LEDGER_EVENTS_QUEUE, 'the worker to consume every ledger event', timeoutMs);
  }

  /**
   * Waits until every cut-off job has finished, including one a killed worker
   * left running: it is taken over once its lock (JOB_LOCK_MS) runs out.
   */
  async waitUntilEveryCutoffFinished(timeoutMs = 30_000): Promise<void> {
    await this.waitUntilQueueIdle(CUTOFFS_QUEUE, 'every cut-off job to finish', timeoutMs);
  }

  /** Waits until no job of the queue is left waiting, retrying or running; names the jobs left if not. */
  private async waitUntilQueueIdle(name: string, what: string, timeoutMs: number): Promise<void> {
    const queue = this.queue(name);
    // Every unfinished job but a scheduler's next tick, which waits delayed until its time.
    const unfinished = async () =>
      (
        await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'], 0, -1)
      ).filter((job) => !(job.repeatJobKey && job.attemptsStarted === 0 && job.delay > 0));
    try {
      await waitFor(what, async () => (await unfinished()).length === 0, timeoutMs);
    } catch (error) {
      const left = await Promise.all(
        (await unfinished()).map(async (job) => `${job.id} ${await job.getState()}`),
      );
      throw new Error(`${(error as Error).message}; left: ${left.join(', ')}`, { cause: error });
    } finally {
      await queue.close();
    }
  }

  /** Triggers a cut-off and waits for its job to finish; returns the batch it closed. */
  async cutoff(timeoutMs = 60_000): Promise<string | null> {
    const { body } = await this.settlementCall('POST', '/internal/cutoffs');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const status = (await this.settlementCall('GET', `/internal/cutoffs/${body.jobId as string}`)).body;
      if (status.state === 'completed') return status.batchId as string | null;
      if (status.state === 'failed') throw new Error(`cut-off failed: ${status.failedReason as string}`);
      await sleep(100);
    }
    throw new Error('cut-off did not finish');
  }

  settlementSql<R extends object = Record<string, any>>(sql: string, params: unknown[] = []) {
    return query<R>(this.settlement.database.url, sql, params);
  }

  ledgerSql<R extends object = Record<string, any>>(sql: string, params: unknown[] = []) {
    return query<R>(this.ledger.database.url, sql, params);
  }

  async stop(): Promise<void> {
    await this.settlement?.stop();
    await this.redisProxy.stop();
    await this.ledger.stop();
    await this.redis.clear();
  }
}
