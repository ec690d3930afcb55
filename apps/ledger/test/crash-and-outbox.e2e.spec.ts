import { randomUUID } from 'node:crypto';
import { LEDGER_EVENTS_QUEUE } from '@meridian/ledger-contract';
import { SeededRandom, seeded } from '@meridian/testing';
import { Queue } from 'bullmq';
import { concurrently, LedgerFixture } from './support/ledger-fixture';
import { postedEventTransfer } from './support/outbox-rows';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when `reached` is called, and fails if `work` ends first (the crash point was never reached). */
function crashPoint(work: Promise<unknown>): { reached: () => void; passed: Promise<void> } {
  let reached!: () => void;
  const point = new Promise<void>((resolve) => (reached = resolve));
  const passed = Promise.race([
    point,
    work.then(() => {
      throw new Error('the load ended before reaching the crash point');
    }),
  ]);
  return { reached, passed };
}

describe(seeded('ledger crash safety and outbox'), () => {
  const random = new SeededRandom();
  let ledger: LedgerFixture;
  let queue: Queue;

  beforeAll(async () => {
    ledger = await LedgerFixture.start('ledger_crash');
    queue = new Queue(LEDGER_EVENTS_QUEUE, {
      connection: { url: ledger.redis.url },
      prefix: ledger.redis.prefix,
    });
    await ledger.client.createAccounts('crash', [
      { id: 'a', currency: 'EUR' },
      { id: 'b', currency: 'EUR' },
      { id: 'c', currency: 'EUR' },
    ]);
  });

  afterAll(async () => {
    await queue?.close();
    await ledger?.stop();
  });

  const invariantsHold = async () => {
    const [totals] = await ledger.sql<{ debits: string; credits: string; dp: string; cp: string }>(
      `SELECT sum(debits_posted)::text AS debits, sum(credits_posted)::text AS credits,
              sum(debits_pending)::text AS dp, sum(credits_pending)::text AS cp FROM accounts`,
    );
    expect(totals!.debits).toBe(totals!.credits);
    expect(totals!.dp).toBe(totals!.cp);
  };

  const transferFor = (id: string) => {
    const n = Number(id.split('-').at(-1));
    const accounts = ['a', 'b', 'c'];
    return {
      id,
      debitAccountId: accounts[n % 3],
      creditAccountId: accounts[(n + 1) % 3],
      amount: String((n % 97) + 1),
      currency: 'EUR',
    };
  };

  it('after SIGKILL mid-load (after a seeded number of acknowledged transfers), every acknowledged transfer exists exactly once and retries converge', async () => {
    const acknowledged = new Set<string>();
    const unacknowledged = new Set<string>();
    const killAfter = random.int(60, 400);
    let stop = false;
    const load = concurrently(16, async (w) => {
      for (let i = 0; !stop; i++) {
        const id = `k${w}-${i}`;
        try {
          const reply = await ledger.client.transfers('crash', [transferFor(id)]);
          if (reply.status === 200 && reply.body.results[0].result === 'created') acknowledged.add(id);
          else unacknowledged.add(id);
          if (acknowledged.size === killAfter) crash.reached();
        } catch {
          unacknowledged.add(id);
          stop = true;
        }
      }
    });
    const crash = crashPoint(load);
    await crash.passed;
    await ledger.crash();
    stop = true;
    await load;
    expect(acknowledged.size).toBeGreaterThanOrEqual(killAfter);

    await ledger.startService();
    const stored = new Set(
      (await ledger.sql<{ id: string }>(`SELECT id FROM transfers WHERE tenant_id = 'crash'`)).map(
        (r) => r.id,
      ),
    );
    for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    await invariantsHold();

    // A client retries what it never heard back about: each ends up existing once.
    const retried = await Promise.all(
      [...unacknowledged].map((id) => ledger.client.transfer('crash', transferFor(id))),
    );
    expect(new Set(retried)).toEqual(new Set(retried.filter((r) => r === 'created' || r === 'exists')));
    const [counts] = await ledger.sql<{ total: number; distinct: number }>(
      `SELECT count(*)::int AS total, count(DISTINCT id)::int AS distinct FROM transfers WHERE tenant_id = 'crash'`,
    );
    expect(counts!.total).toBe(acknowledged.size + unacknowledged.size);
    expect(counts!.distinct).toBe(counts!.total);
    await invariantsHold();
  });

  const waitForRelay = async () => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [row] = await ledger.sql<{ n: number }>(
        `SELECT ((SELECT count(*) FROM partition_outbox WHERE published_at IS NULL) +
                 (SELECT count(*) FROM outbox_batches WHERE published_at IS NULL) +
                 (SELECT count(*) FROM outbox_events WHERE published_at IS NULL))::int AS n`,
      );
      if (row!.n === 0) return;
      if (Date.now() > deadline) throw new Error(`${row!.n} outbox rows still unpublished`);
      await sleep(100);
    }
  };

  const jobIds = async () => {
    const jobs = await queue.getJobs(
      ['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'],
      0,
      -1,
    );
    return jobs.map((job) => job.id!);
  };

  it('publishes exactly one job per committed transfer, across relay crashes', async () => {
    // More load with two more crashes while the relay is busy.
    for (let round = 0; round < 2; round++) {
      let stop = false;
      let sent = 0;
      const killAfter = random.int(20, 200);
      const load = concurrently(8, async (w) => {
        for (let i = 0; !stop; i++) {
          await ledger.client
            .transfers('crash', [transferFor(`o${round}-${w}-${i}`)])
            .catch(() => (stop = true));
          if (++sent === killAfter) crash.reached();
        }
      });
      const crash = crashPoint(load);
      await crash.passed;
      await ledger.crash();
      stop = true;
      await load;
      await ledger.startService();
    }
    await waitForRelay();

    const events = await ledger.sql<{ event_id: string; transfer_id: string }>(
      `SELECT e->>'eventId' AS event_id, e->'transfer'->>'id' AS transfer_id
         FROM partition_outbox, jsonb_array_elements(events) AS e
        WHERE e->>'type' = 'transfer.posted'`,
    );
    const [transfers] = await ledger.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM transfers WHERE kind = 'posted'`,
    );
    expect(events).toHaveLength(transfers!.n);
    expect(new Set(events.map((e) => e.transfer_id)).size).toBe(transfers!.n);

    const ids = await jobIds();
    expect(ids).toHaveLength(new Set(ids).size);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.event_id)));
  });

  it('re-publishing events (a crash between adding jobs and marking them) adds no job twice', async () => {
    const before = (await jobIds()).length;
    await ledger.sql(
      `UPDATE partition_outbox SET published_at = NULL WHERE id IN (SELECT id FROM partition_outbox ORDER BY id LIMIT 20)`,
    );
    await waitForRelay();
    expect((await jobIds()).length).toBe(before);
    const [job] = await queue.getJobs(['waiting'], 0, 0);
    expect(job!.name).toBe('transfer.posted');
    expect(job!.data).toMatchObject({
      eventId: job!.id,
      type: 'transfer.posted',
      tenantId: 'crash',
      transfer: { currency: 'EUR' },
    });
  });

  it('publishes a posting batch row of the previous release larger than a pass and than one addBulk (2,500 events), every event once', async () => {
    const before = new Set(await jobIds());
    const occurredAt = new Date().toISOString();
    const events = Array.from({ length: 2_500 }, (_, i) => ({
      eventId: randomUUID(),
      type: 'transfer.posted',
      tenantId: 'crash',
      occurredAt,
      transfer: postedEventTransfer('crash', `large-batch-${i}`, occurredAt),
      traceparent: null,
    }));
    await ledger.sql(`INSERT INTO outbox_batches (events, event_count) VALUES ($1::jsonb, $2)`, [
      JSON.stringify(events),
      events.length,
    ]);
    await waitForRelay();
    const added = (await jobIds()).filter((id) => !before.has(id));
    expect(added).toHaveLength(events.length);
    expect(new Set(added)).toEqual(new Set(events.map((e) => e.eventId)));
  });

  it('publishes the per-event rows a ledger of the previous release left behind, once each, as the same jobs', async () => {
    const before = new Set(await jobIds());
    const eventIds = [randomUUID(), randomUUID()];
    const occurredAt = new Date().toISOString();
    for (const [i, eventId] of eventIds.entries()) {
      const transfer = postedEventTransfer('crash', `previous-release-${i}`, occurredAt);
      await ledger.sql(
        `INSERT INTO outbox_events (event_id, tenant_id, type, payload, traceparent)
         VALUES ($1, 'crash', 'transfer.posted', $2::jsonb, NULL)`,
        [eventId, JSON.stringify({ occurredAt, transfer })],
      );
    }
    await waitForRelay();
    const added = (await jobIds()).filter((id) => !before.has(id));
    expect(new Set(added)).toEqual(new Set(eventIds));
    const job = await queue.getJob(eventIds[0]!);
    expect(job!.data).toMatchObject({
      eventId: eventIds[0],
      type: 'transfer.posted',
      tenantId: 'crash',
      occurredAt,
      transfer: { id: 'previous-release-0', amount: '1' },
      traceparent: null,
    });
  });
});
