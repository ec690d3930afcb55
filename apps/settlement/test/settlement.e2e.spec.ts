import { randomUUID } from 'node:crypto';
import { LEDGER_EVENTS_QUEUE } from '@meridian/ledger-contract';
import { seeded, type ServiceProcess } from '@meridian/testing';
import { Queue } from 'bullmq';
import { CUTOFFS_QUEUE } from '../src/infrastructure/queue/queues';
import { SettlementStack, waitFor } from './support/settlement-stack';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the obligations of a batch net to, computed straight from the database. */
async function expectedPositions(stack: SettlementStack, batchId: string) {
  return stack.settlementSql<{ tenant_id: string; currency: string; net: string }>(
    `SELECT tenant_id, currency, sum(delta)::text AS net FROM (
       SELECT payee_tenant_id AS tenant_id, currency, amount AS delta FROM obligations WHERE batch_id = $1
       UNION ALL
       SELECT payer_tenant_id, currency, -amount FROM obligations WHERE batch_id = $1) AS moves
     GROUP BY 1, 2 HAVING sum(delta) <> 0 ORDER BY 2, 1`,
    [batchId],
  );
}

describe(seeded('settlement worker'), () => {
  let stack: SettlementStack;

  beforeAll(async () => {
    stack = await SettlementStack.start('settlement_e2e');
    // Two services and their migrations, on a machine that may be loaded: given time, not judged by it.
  }, 180_000);

  afterAll(() => stack?.stop());

  it('records each cross-tenant posted transfer once, nets it at a cut-off, and settles it through the ledger', async () => {
    const crossTenant = await stack.payments(300, 'p1');
    // Every event consumed, in-tenant transfers included: none of those became an obligation.
    await stack.waitUntilEveryEventConsumed();
    expect(await stack.obligations()).toBe(crossTenant);

    const batchId = await stack.cutoff();
    expect(batchId).not.toBeNull();
    const { body: batch } = await stack.settlementCall('GET', `/internal/batches/${batchId!}`);
    expect(batch).toMatchObject({ state: 'completed', obligationCount: crossTenant });
    expect(
      batch.positions.map((p: { tenantId: string; currency: string; net: string }) => ({
        tenant_id: p.tenantId,
        currency: p.currency,
        net: p.net,
      })),
    ).toEqual(await expectedPositions(stack, batchId!));
    for (const currency of ['EUR', 'USD']) {
      const sum = batch.positions
        .filter((p: { currency: string }) => p.currency === currency)
        .reduce((s: bigint, p: { net: string }) => s + BigInt(p.net), 0n);
      expect(sum).toBe(0n);
    }

    // The ledger holds one settlement transfer per instruction, between the tenants' settlement accounts.
    const settled = await stack.ledgerSql<{
      id: string;
      tenant_id: string;
      credit_tenant_id: string;
      currency: string;
      amount: string;
    }>(
      `SELECT id, tenant_id, credit_tenant_id, currency, amount::text FROM transfers WHERE code = 65535 ORDER BY id`,
    );
    expect(settled.map((t) => t.id).sort()).toEqual(
      batch.instructions.map((i: { transferId: string }) => i.transferId).sort(),
    );
    for (const i of batch.instructions) {
      const transfer = settled.find((t) => t.id === i.transferId)!;
      expect([transfer.tenant_id, transfer.credit_tenant_id, transfer.currency, transfer.amount]).toEqual([
        i.payerTenantId,
        i.payeeTenantId,
        i.currency,
        i.amount,
      ]);
    }
    // Settlement transfers are themselves cross-tenant events; once consumed, none is a new obligation.
    await stack.waitUntilEveryEventConsumed();
    expect(await stack.obligations('batch_id IS NULL')).toBe(0);
    // A cut-off with nothing new settles nothing.
    expect(await stack.cutoff()).toBeNull();
  });

  it('gives the same event twice, or events out of order, one obligation each', async () => {
    const queue = new Queue(LEDGER_EVENTS_QUEUE, {
      connection: { url: stack.redis.url },
      prefix: stack.redis.prefix,
    });
    const event = (n: number) => postedEvent(`manual-${n}`, new Date(Date.now() - n * 1000));
    const events = [event(3), event(1), event(2)];
    const before = await stack.obligations();
    // Redelivered under other job ids (as after a lost acknowledgement), newest first.
    for (const e of [...events, events[0]!, events[2]!, events[1]!]) {
      await queue.add(e.type, e, { jobId: randomUUID() });
    }
    await stack.waitUntilEveryEventConsumed();
    expect(await stack.obligations()).toBe(before + 3);
    await queue.close();
  });

  it('keeps jobs that do not match the contract (bad event id, amount beyond 2^63-1, malformed tenant id) failed at the first attempt, with their reason, counted, and records no obligation', async () => {
    const queue = new Queue(LEDGER_EVENTS_QUEUE, {
      connection: { url: stack.redis.url },
      prefix: stack.redis.prefix,
    });
    const valid = postedEvent('contract-1', new Date());
    const invalid = {
      'event id': { ...valid, eventId: 'not-a-uuid' },
      'amount beyond 2^63-1': {
        ...valid,
        eventId: randomUUID(),
        transfer: { ...valid.transfer, amount: '9223372036854775808' },
      },
      'malformed tenant id': {
        ...valid,
        eventId: randomUUID(),
        tenantId: 'acme corp/..',
        transfer: { ...valid.transfer, tenantId: 'acme corp/..' },
      },
      'malformed credit tenant id': {
        ...valid,
        eventId: randomUUID(),
        transfer: { ...valid.transfer, creditTenantId: '_platform' },
      },
    };
    const before = await stack.obligations();
    const jobs = await Promise.all(
      Object.values(invalid).map((data) =>
        // As the ledger's relay adds them: retries allowed, which a contract violation must not use.
        queue.add('transfer.posted', data, { attempts: 5, backoff: { type: 'fixed', delay: 100 } }),
      ),
    );
    for (const [what, job] of Object.entries(invalid).map(([what], i) => [what, jobs[i]!] as const)) {
      await waitFor(`the job with a bad ${what} to fail`, async () => (await job.getState()) === 'failed');
      const failed = (await queue.getJob(job.id!))!;
      expect(failed.failedReason).toContain('not a ledger event');
      expect(failed.attemptsMade).toBe(1);
    }
    const metrics = await stack.metrics();
    expect(metrics).toMatch(/settlement_jobs_failed_total\{[^}]*queue="ledger-events"[^}]*\} 4/);
    expect(metrics).toMatch(/settlement_queue_jobs\{[^}]*queue="ledger-events"[^}]*state="failed"[^}]*\} 4/);
    expect(metrics).toContain('settlement_event_to_obligation_seconds_count');
    expect(await stack.obligations()).toBe(before);
    await queue.close();
  });

  it('records every event published while it could not reach Redis, once each, after Redis returns', async () => {
    const before = await stack.obligations();
    await stack.redisProxy.stop();
    try {
      // The worker has noticed: it reports Redis down.
      await stack.settlement.service.waitFor('/health/ready', 503, 30_000);
      const crossTenant = await stack.payments(200, 'outage');
      // The ledger reaches Redis directly: every event waits in the queue meanwhile.
      await waitFor(
        'the ledger to publish the outage events',
        async () =>
          (
            await stack.ledgerSql<{ n: number }>(
              'SELECT count(*)::int AS n FROM partition_outbox WHERE published_at IS NULL',
            )
          )[0]!.n === 0,
      );
      expect(await stack.obligations()).toBe(before);
      await stack.redisProxy.resume();
      await stack.waitUntilEveryEventConsumed();
      expect(await stack.obligations()).toBe(before + crossTenant);
    } finally {
      await stack.redisProxy.resume();
    }
  });

  it('settles exactly once when the worker is SIGKILLed at (seeded) random points of a cut-off', async () => {
    for (let trial = 0; trial < 4; trial++) {
      const before = await stack.obligations();
      const crossTenant = await stack.payments(400, `kill-${trial}`);
      await stack.waitForObligations(before + crossTenant);
      const { body } = await stack.settlementCall('POST', '/internal/cutoffs');
      await waitFor('the cut-off to start', async () => {
        const state = (await stack.settlementCall('GET', `/internal/cutoffs/${body.jobId as string}`)).body
          .state as string;
        return state === 'active' || state === 'completed';
      });
      // The kill point: a seeded pause into the running cut-off.
      await sleep(stack.random.int(0, 250));
      stack.settlement.service.signal('SIGKILL');
      await stack.settlement.service.exited;
      await stack.settlement.restart();
      // The interrupted batch is netted by the next run (the retried job, or this one), its
      // instructions posted by that run or the retry loop.
      await stack.cutoff();
      // The killed job too: taken over once its lock runs out, it finds nothing left to settle twice.
      await stack.waitUntilEveryCutoffFinished();
      await stack.waitForBatchesCompleted();
      const batches = await stack.settlementSql<{ id: string; state: string }>(
        `SELECT id, state FROM settlement_batches`,
      );
      expect(batches.every((b) => b.state === 'completed')).toBe(true);
      expect(await stack.obligations('batch_id IS NULL')).toBe(0);
      for (const { id } of batches) {
        const { body } = await stack.settlementCall('GET', `/internal/batches/${id}`);
        expect(
          body.positions.map((p: { tenantId: string; currency: string; net: string }) => ({
            tenant_id: p.tenantId,
            currency: p.currency,
            net: p.net,
          })),
        ).toEqual(await expectedPositions(stack, id));
      }
      // One ledger transfer per instruction, never two.
      const [counts] = await stack.ledgerSql<{ transfers: number }>(
        `SELECT count(*)::int AS transfers FROM transfers WHERE code = 65535`,
      );
      const [instructions] = await stack.settlementSql<{ n: number }>(
        `SELECT count(*)::int AS n FROM settlement_instructions`,
      );
      expect(counts!.transfers).toBe(instructions!.n);
    }
  }, 300_000);

  it('completes a batch left posting with every instruction posted, as a crash between the last post and the batch update leaves it', async () => {
    const before = await stack.obligations();
    const crossTenant = await stack.payments(100, 'orphan');
    await stack.waitForObligations(before + crossTenant);
    const batchId = await stack.cutoff();
    expect(batchId).not.toBeNull();
    await stack.waitForBatchesCompleted();
    // The crash: instructions committed as posted, the batch never moved on.
    const reopened = await stack.settlementSql<{ id: string }>(
      `UPDATE settlement_batches SET state = 'posting', completed_at = NULL WHERE id = $1 RETURNING id`,
      [batchId],
    );
    expect(reopened).toHaveLength(1);
    const [{ posted, pending }] = (await stack.settlementSql<{ posted: number; pending: number }>(
      `SELECT count(*) FILTER (WHERE state = 'posted')::int AS posted,
              count(*) FILTER (WHERE state = 'pending')::int AS pending
         FROM settlement_instructions WHERE batch_id = $1`,
      [batchId],
    )) as [{ posted: number; pending: number }];
    expect(posted).toBeGreaterThan(0);
    expect(pending).toBe(0);
    await stack.waitForBatchesCompleted();
  }, 180_000);

  it('drains on SIGTERM: the running cut-off finishes before exit 0, and a burst of events is neither lost nor doubled', async () => {
    await stack.settlement.restart({ SHUTDOWN_DELAY_MS: '200' });
    const service = stack.settlement.service;
    // A long cut-off: 100 000 obligations straight into the open window.
    await stack.settlementSql(
      `INSERT INTO obligations (event_id, transfer_id, payer_tenant_id, payee_tenant_id, currency, amount, occurred_at)
       SELECT gen_random_uuid(), 'bulk-' || n, (ARRAY['acme','globex','initech','umbrella'])[1 + n % 4],
              (ARRAY['acme','globex','initech','umbrella'])[1 + (n % 4 + 1 + (n / 4) % 3) % 4],
              CASE WHEN n % 2 = 0 THEN 'EUR' ELSE 'USD' END, 1 + n % 997, now()
         FROM generate_series(1, 100000) AS n`,
    );
    const before = await stack.obligations();
    const burst = stack.payments(600, 'burst');
    const { body } = await stack.settlementCall('POST', '/internal/cutoffs');
    await waitFor(
      'the cut-off to start',
      async () =>
        (await stack.settlementCall('GET', `/internal/cutoffs/${body.jobId as string}`)).body.state ===
        'active',
      10_000,
      10,
    );
    service.signal('SIGTERM');
    const exit = await service.exited;
    expect(exit.code).toBe(0);
    // Finished by the process that was shutting down, not by a later run.
    const batches = await stack.settlementSql<{ state: string; obligation_count: number }>(
      `SELECT state, obligation_count FROM settlement_batches ORDER BY created_at DESC LIMIT 1`,
    );
    expect(batches[0]!.state).toBe('completed');
    expect(batches[0]!.obligation_count).toBeGreaterThanOrEqual(100_000);

    const crossTenant = await burst;
    await stack.settlement.restart();
    await stack.waitUntilEveryEventConsumed();
    expect(await stack.obligations()).toBe(before + crossTenant);
  }, 180_000);

  it('runs cut-offs on its cron schedule with two replicas: one schedule, one job per tick (never two), one cut-off run per attempt of a job, and everything settled', async () => {
    const every2s = { SETTLEMENT_CUTOFF_CRON: '*/2 * * * * *' };
    // Cut-offs of earlier tests have finished (a killed one is taken over first): what runs from here is the schedule's.
    await stack.waitUntilEveryCutoffFinished();
    const cutoffs = stack.queue(CUTOFFS_QUEUE);
    const earlier = new Set((await cutoffs.getJobs(['completed', 'failed'], 0, -1)).map((job) => job.id));
    await stack.settlement.restart(every2s);
    const second = await startSecondReplica(stack, every2s);
    try {
      const obligationsBefore = await stack.obligations();
      const crossTenant = await stack.payments(100, 'cron');
      await stack.waitForObligations(obligationsBefore + crossTenant);
      // No trigger from here: the schedule settles everything, and every batch completes.
      const ranSinceStart = async () =>
        (await cutoffs.getJobs(['completed', 'failed'], 0, -1)).filter((job) => !earlier.has(job.id));
      await waitFor('three scheduled cut-offs, and everything settled', async () => {
        if ((await ranSinceStart()).length < 3) return false;
        if ((await stack.obligations('batch_id IS NULL')) !== 0) return false;
        const [open] = await stack.settlementSql<{ n: number }>(
          "SELECT count(*)::int AS n FROM settlement_batches WHERE state <> 'completed'",
        );
        return open!.n === 0;
      });

      // One schedule, whatever the number of replicas. Stop it, let what it started finish, then count.
      const schedules = await cutoffs.getJobSchedulers();
      expect(schedules.map((s) => s.key)).toHaveLength(1);
      await cutoffs.removeJobScheduler(schedules[0]!.key);
      await stack.waitUntilEveryCutoffFinished();
      const jobs = await ranSinceStart();
      // Each job is one tick of that schedule, and no tick has two jobs...
      expect(jobs.map((job) => job.repeatJobKey)).toEqual(jobs.map(() => schedules[0]!.key));
      const ticks = jobs.map((job) => job.opts.prevMillis);
      expect(ticks.every((tick) => typeof tick === 'number' && tick % 2_000 === 0)).toBe(true);
      expect(new Set(ticks).size).toBe(jobs.length);
      expect((await cutoffs.getJobs(['failed'], 0, -1)).filter((job) => !earlier.has(job.id))).toEqual([]);
      // ...and the two replicas together ran one cut-off per attempt of those jobs: none ran a job it
      // had not started (a job is attempted again only after a failed or interrupted attempt).
      const attempts = jobs.reduce((sum, job) => sum + job.attemptsStarted, 0);
      const runs =
        cutoffRuns(await stack.metrics()) +
        cutoffRuns(await fetch(`${second.managementUrl}/metrics`).then((r) => r.text()));
      expect(runs).toBe(attempts);
    } finally {
      await cutoffs.close();
      await second.stop();
      await stack.settlement.restart();
    }
  }, 180_000);
});

/** Cut-off jobs a replica has run (its settlement_job_duration_seconds_count for the cut-off queue, every outcome). */
function cutoffRuns(metrics: string): number {
  return metrics
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('settlement_job_duration_seconds_count{') &&
        line.includes(`queue="${CUTOFFS_QUEUE}"`),
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Another settlement process on the same database and Redis (a second replica). */
async function startSecondReplica(
  stack: SettlementStack,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const { ServiceProcess } = await import('@meridian/testing');
  const replica = await ServiceProcess.start('settlement', {
    DATABASE_URL: stack.settlement.database.url,
    ...stack.settlementEnv(env),
  });
  await replica.waitUntilReady(120_000);
  return replica;
}

/** A transfer.posted event from acme to globex of 100 EUR, as the ledger's relay publishes it. */
function postedEvent(transferId: string, at: Date) {
  return {
    eventId: randomUUID(),
    type: 'transfer.posted',
    tenantId: 'acme',
    occurredAt: at.toISOString(),
    transfer: {
      tenantId: 'acme',
      id: transferId,
      kind: 'posted',
      debitAccountId: 'main-EUR',
      creditTenantId: 'globex',
      creditAccountId: 'main-EUR',
      amount: '100',
      currency: 'EUR',
      code: 0,
      pendingId: null,
      createdAt: at.toISOString(),
    },
    traceparent: null,
  };
}
