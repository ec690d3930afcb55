import { MAX_INT64 } from '@meridian/ledger-contract';
import { runAppScript, seeded } from '@meridian/testing';
import {
  ADMIN_TOKEN,
  SETTLEMENT_LEDGER_TOKEN,
  SettlementStack,
  TOKEN,
  waitFor,
} from './support/settlement-stack';

/** The value of the series of `name` with these labels (among others) in Prometheus' text format. */
function metricValue(metrics: string, name: string, labels: Record<string, string> = {}): number {
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}{`) &&
        Object.entries(labels).every(([key, value]) => l.includes(`${key}="${value}"`)),
    );
  if (!line) throw new Error(`no ${name} ${JSON.stringify(labels)} in the metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * Instructions on their own: one pair that cannot be posted holds back
 * nothing else; operators see, re-drive and cancel it; nets at the 64-bit
 * limit settle; a tenant sees only its own share. Real ledger, real worker.
 */
describe(seeded('settlement instructions'), () => {
  let stack: SettlementStack;

  beforeAll(async () => {
    stack = await SettlementStack.start('settlement_instructions');
    // Two services and their migrations, on a machine that may be loaded: given time, not judged by it.
  }, 180_000);

  afterAll(() => stack?.stop());

  const asSettlement = (method: string, path: string, body?: unknown) =>
    stack.ledgerCall(method, path, body, SETTLEMENT_LEDGER_TOKEN);

  /** A tenant whose settlement account in EUR exists before settlement makes it, with a limit: its payments cannot settle until it is funded. */
  async function stuckPayer(tenant: string) {
    const accounts = await stack.ledgerCall('POST', `/v1/tenants/${tenant}/accounts`, {
      accounts: [{ id: 'main-EUR', currency: 'EUR' }],
    });
    expect(accounts.body.results[0].result).toBe('created');
    const settlementAccount = await asSettlement('POST', `/v1/tenants/${tenant}/accounts`, {
      accounts: [
        {
          id: '_settlement-EUR',
          currency: 'EUR',
          code: 65535,
          flags: { debitsMustNotExceedCredits: true, acceptsExternalCredits: true },
        },
      ],
    });
    expect(settlementAccount.body.results[0].result).toBe('created');
  }

  async function pay(
    tenant: string,
    id: string,
    payee: string,
    amount: string,
    from = 'main-EUR',
    to = 'main-EUR',
  ) {
    const reply = await stack.ledgerCall('POST', `/v1/tenants/${tenant}/transfers`, {
      transfers: [
        { id, debitAccountId: from, creditTenantId: payee, creditAccountId: to, amount, currency: 'EUR' },
      ],
    });
    expect(reply.body.results[0].result).toBe('created');
  }

  const batchView = async (id: string) => (await stack.settlementCall('GET', `/internal/batches/${id}`)).body;
  const instructionOf = async (batchId: string, payer: string) =>
    (await batchView(batchId)).instructions.find((i: { payerTenantId: string }) => i.payerTenantId === payer);
  const settlementTransfers = (where: string, params: unknown[] = []) =>
    stack.ledgerSql<{ id: string; tenant_id: string; credit_tenant_id: string; amount: string }>(
      `SELECT id, tenant_id, credit_tenant_id, amount::text FROM transfers WHERE code = 65535 AND ${where} ORDER BY id`,
      params,
    );
  /** One obligation more than now: waits until the worker has recorded the payments made since. */
  const recorded = async (before: number, added: number) => stack.waitForObligations(before + added);

  let stuckBatch: string;
  let stuckInstructionId: string;

  it('completes every other pair of a cut-off in which one pair cannot be posted, shows the stuck one with its state, reason, age and metrics, and completes later cut-offs meanwhile', async () => {
    await stuckPayer('stuck-x');
    const before = await stack.obligations();
    await pay('stuck-x', 'x-1', 'acme', '500');
    const others = await stack.payments(200, 'others-1');
    await recorded(before, others + 1);

    stuckBatch = (await stack.cutoff())!;
    const batch = await batchView(stuckBatch);
    expect(batch.state).toBe('posting');
    const stuck = batch.instructions.filter((i: { state: string }) => i.state !== 'posted');
    expect(stuck).toEqual([
      expect.objectContaining({
        payerTenantId: 'stuck-x',
        payeeTenantId: 'acme',
        amount: '500',
        state: 'pending',
        condition: 'retrying',
        reason: 'exceeds_credits',
        debitAccountId: '_settlement-EUR',
        creditAccountId: '_settlement-EUR',
      }),
    ]);
    stuckInstructionId = stuck[0].id;
    expect(stuck[0].attempts).toBeGreaterThanOrEqual(1);
    expect(stuck[0].ageSeconds).toEqual(expect.any(Number));
    expect(stuck[0].firstFailedAt).toEqual(expect.any(String));
    expect(stuck[0].nextAttemptAt).toEqual(expect.any(String));

    // Every other pair is posted and settled in the ledger; nothing for the stuck one.
    const posted = batch.instructions.filter((i: { state: string }) => i.state === 'posted');
    expect(posted.length).toBeGreaterThan(0);
    const inLedger = await settlementTransfers(`metadata->>'batchId' = $1`, [stuckBatch]);
    expect(inLedger.map((t) => t.id)).toEqual(posted.map((i: { transferId: string }) => i.transferId).sort());
    for (const i of posted) {
      const transfer = inLedger.find((t) => t.id === i.transferId)!;
      expect([transfer.tenant_id, transfer.credit_tenant_id, transfer.amount]).toEqual([
        i.payerTenantId,
        i.payeeTenantId,
        i.amount,
      ]);
    }
    expect(await settlementTransfers(`tenant_id = 'stuck-x'`)).toEqual([]);

    // The retry loop keeps at it, with backoff, each refused id replaced by a new one.
    const retried = await waitFor('the stuck instruction to be retried twice more', async () => {
      const instruction = await instructionOf(stuckBatch, 'stuck-x');
      return instruction.attempts >= 3 && instruction;
    });
    expect(retried.transferId).not.toBe(retried.id);
    expect(retried.reason).toBe('exceeds_credits');
    const [failedIds] = await stack.ledgerSql<{ n: number }>(
      `SELECT count(*)::int AS n FROM failed_transfers WHERE tenant_id = 'stuck-x' AND result = 'exceeds_credits'`,
    );
    expect(failedIds!.n).toBeGreaterThanOrEqual(2);

    // Operators find it, and the metrics say it is stuck.
    const { body: pending } = await stack.adminCall('GET', '/admin/instructions?state=pending');
    expect(pending.data).toEqual([
      expect.objectContaining({ id: stuckInstructionId, batchId: stuckBatch, reason: 'exceeds_credits' }),
    ]);
    const metrics = await stack.metrics();
    expect(metricValue(metrics, 'settlement_instructions_unposted', { condition: 'retrying' })).toBe(1);
    expect(metricValue(metrics, 'settlement_instructions_unposted', { condition: 'parked' })).toBe(0);
    expect(metricValue(metrics, 'settlement_instruction_oldest_unposted_age_seconds')).toBeGreaterThan(0);
    expect(
      metricValue(metrics, 'settlement_instruction_attempts_total', { outcome: 'refused' }),
    ).toBeGreaterThanOrEqual(3);
    expect(metricValue(metrics, 'settlement_instruction_attempts_total', { outcome: 'posted' })).toBe(
      posted.length,
    );

    // A later cut-off with new obligations completes its own batch meanwhile.
    const before2 = await stack.obligations();
    const more = await stack.payments(100, 'others-2');
    await recorded(before2, more);
    const later = (await stack.cutoff())!;
    expect((await batchView(later)).state).toBe('completed');
    expect((await batchView(stuckBatch)).state).toBe('posting');
  });

  it('re-drives the stuck instruction once its cause is fixed: it posts exactly once, and its batch completes', async () => {
    // Retries far apart from now on, so it is the operator's re-drive that posts it.
    await stack.settlement.restart({
      SETTLEMENT_RETRY_BACKOFF_MS: '600000',
      SETTLEMENT_RETRY_BACKOFF_MAX_MS: '600000',
    });
    await waitFor('the restarted retry loop to schedule the stuck instruction far away', async () => {
      const instruction = await instructionOf(stuckBatch, 'stuck-x');
      return Date.parse(instruction.nextAttemptAt) > Date.now() + 60_000;
    });
    const refusedIds = (await instructionOf(stuckBatch, 'stuck-x')).transferId;

    // The cause fixed: stuck-x's settlement account funded, through the ledger, as the settlement service.
    const funding = await asSettlement('POST', '/v1/tenants/stuck-x/transfers', {
      transfers: [
        {
          id: 'fund-x',
          debitAccountId: 'main-EUR',
          creditAccountId: '_settlement-EUR',
          amount: '500',
          currency: 'EUR',
        },
      ],
    });
    expect(funding.body.results[0].result).toBe('created');

    const redriven = await stack.adminCall('POST', `/admin/instructions/${refusedIds}/redrive`);
    expect(redriven.status).toBe(200);
    expect(redriven.body).toMatchObject({
      id: stuckInstructionId,
      state: 'posted',
      reason: 'exceeds_credits',
    });
    expect(redriven.body.postedAt).toEqual(expect.any(String));

    const settled = await settlementTransfers(`tenant_id = 'stuck-x'`);
    expect(settled).toEqual([
      { id: redriven.body.transferId, tenant_id: 'stuck-x', credit_tenant_id: 'acme', amount: '500' },
    ]);
    expect((await batchView(stuckBatch)).state).toBe('completed');

    // Posted is final: neither re-driven nor cancelled again.
    const again = await stack.adminCall('POST', `/admin/instructions/${stuckInstructionId}/redrive`);
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/\/instruction-already-posted$/);
    const cancel = await stack.adminCall('POST', `/admin/instructions/${stuckInstructionId}/cancel`, {
      reason: 'too late',
    });
    expect(cancel.status).toBe(409);
    expect(cancel.body.type).toMatch(/\/instruction-already-posted$/);
    expect(await settlementTransfers(`tenant_id = 'stuck-x'`)).toHaveLength(1);
    await stack.settlement.restart();
  });

  it('cancels a stuck instruction: the reason is kept, its transfer id is fenced so it can never post, and its batch completes', async () => {
    await stuckPayer('stuck-y');
    const before = await stack.obligations();
    await pay('stuck-y', 'y-1', 'globex', '700');
    await recorded(before, 1);
    const batchId = (await stack.cutoff())!;
    const stuck = await instructionOf(batchId, 'stuck-y');
    expect(stuck).toMatchObject({ state: 'pending', reason: 'exceeds_credits' });

    const noReason = await stack.adminCall('POST', `/admin/instructions/${stuck.id}/cancel`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([expect.objectContaining({ field: 'reason' })]);

    const cancelled = await stack.adminCall('POST', `/admin/instructions/${stuck.id}/cancel`, {
      reason: 'settled outside Meridian, ticket OPS-42',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      id: stuck.id,
      state: 'cancelled',
      condition: null,
      cancellation: { reason: 'settled outside Meridian, ticket OPS-42', cancelledAt: expect.any(String) },
    });
    expect((await batchView(batchId)).state).toBe('completed');

    // Even once the cause is gone, the id cannot post: the ledger keeps it failed.
    await asSettlement('POST', '/v1/tenants/stuck-y/transfers', {
      transfers: [
        {
          id: 'fund-y',
          debitAccountId: 'main-EUR',
          creditAccountId: '_settlement-EUR',
          amount: '700',
          currency: 'EUR',
        },
      ],
    });
    const replay = await asSettlement('POST', '/v1/tenants/stuck-y/transfers', {
      transfers: [
        {
          id: cancelled.body.transferId,
          debitAccountId: '_settlement-EUR',
          creditTenantId: 'globex',
          creditAccountId: '_settlement-EUR',
          amount: '700',
          currency: 'EUR',
          code: 65535,
          metadata: { batchId },
        },
      ],
    });
    expect(replay.body.results[0].result).toBe('id_already_failed');
    expect(await settlementTransfers(`tenant_id = 'stuck-y'`)).toEqual([]);

    // Cancelling again answers it as it is; a cancelled instruction is not re-driven.
    const twice = await stack.adminCall('POST', `/admin/instructions/${stuck.id}/cancel`, {
      reason: 'again',
    });
    expect(twice.status).toBe(200);
    expect(twice.body.cancellation.reason).toBe('settled outside Meridian, ticket OPS-42');
    const redrive = await stack.adminCall('POST', `/admin/instructions/${stuck.id}/redrive`);
    expect(redrive.status).toBe(409);
    expect(redrive.body.type).toMatch(/\/instruction-cancelled$/);
    expect(metricValue(await stack.metrics(), 'settlement_instructions_cancelled_total')).toBe(1);
    const { body: list } = await stack.adminCall('GET', '/admin/instructions?state=cancelled');
    expect(list.data.map((i: { id: string }) => i.id)).toEqual([stuck.id]);
  });

  it('settles nets at the int64 limit: 2*(2^63-1) in two parts, through rolled-over settlement accounts', async () => {
    await stack.ledgerCall('POST', '/v1/tenants/max-a/accounts', {
      accounts: [
        { id: 'big-1', currency: 'EUR' },
        { id: 'big-2', currency: 'EUR' },
      ],
    });
    await stack.ledgerCall('POST', '/v1/tenants/max-b/accounts', {
      accounts: [
        { id: 'in-1', currency: 'EUR', flags: { acceptsExternalCredits: true } },
        { id: 'in-2', currency: 'EUR', flags: { acceptsExternalCredits: true } },
      ],
    });
    const before = await stack.obligations();
    await pay('max-a', 'max-1', 'max-b', MAX_INT64.toString(), 'big-1', 'in-1');
    await pay('max-a', 'max-2', 'max-b', MAX_INT64.toString(), 'big-2', 'in-2');
    await recorded(before, 2);

    const batchId = (await stack.cutoff())!;
    const batch = await batchView(batchId);
    expect(batch.state).toBe('completed');
    const twice = (2n * MAX_INT64).toString();
    expect(batch.positions.filter((p: { tenantId: string }) => p.tenantId.startsWith('max-'))).toEqual([
      { tenantId: 'max-a', currency: 'EUR', net: `-${twice}`, obligationCount: 2 },
      { tenantId: 'max-b', currency: 'EUR', net: twice, obligationCount: 2 },
    ]);
    const parts = batch.instructions.filter((i: { payerTenantId: string }) => i.payerTenantId === 'max-a');
    expect(parts).toEqual([
      expect.objectContaining({ part: 0, amount: MAX_INT64.toString(), state: 'posted' }),
      expect.objectContaining({ part: 1, amount: MAX_INT64.toString(), state: 'posted' }),
    ]);
    // Each settlement account can carry 2^63-1 of debits (or credits) in its life: the second part
    // went between the accounts both tenants rolled over to.
    expect(
      parts.map((p: { debitAccountId: string; creditAccountId: string }) => [
        p.debitAccountId,
        p.creditAccountId,
      ]),
    ).toEqual([
      ['_settlement-EUR', '_settlement-EUR'],
      ['_settlement-EUR.1', '_settlement-EUR.1'],
    ]);
    const settled = await settlementTransfers(`tenant_id = 'max-a' AND credit_tenant_id = 'max-b'`);
    expect(settled.map((t) => t.id).sort()).toEqual(
      parts.map((p: { transferId: string }) => p.transferId).sort(),
    );
    expect(settled.reduce((sum, t) => sum + BigInt(t.amount), 0n)).toBe(2n * MAX_INT64);
    expect(metricValue(await stack.metrics(), 'settlement_account_rollovers_total')).toBe(2);
    expect(
      await stack.settlementSql(
        `SELECT tenant_id, currency, epoch FROM settlement_account_epochs WHERE tenant_id LIKE 'max-%' ORDER BY 1`,
      ),
    ).toEqual([
      { tenant_id: 'max-a', currency: 'EUR', epoch: 1 },
      { tenant_id: 'max-b', currency: 'EUR', epoch: 1 },
    ]);
  });

  it('shows a tenant only its own share of a batch: its obligation count, positions and instructions, a reason only on what it pays, nothing of other pairs', async () => {
    await stuckPayer('stuck-z');
    const before = await stack.obligations();
    await pay('stuck-z', 'z-1', 'umbrella', '300');
    await pay('globex', 'g-1', 'initech', '200');
    await pay('globex', 'g-2', 'initech', '50');
    await recorded(before, 3);
    const batchId = (await stack.cutoff())!;
    expect((await batchView(batchId)).state).toBe('posting');

    const view = async (tenant: string) => {
      const reply = await stack.settlementCall('GET', `/internal/tenants/${tenant}/batches/${batchId}`);
      expect(reply.status).toBe(200);
      return reply.body;
    };
    // globex's own instruction is posted: the batch is complete as far as globex is concerned.
    const globex = await view('globex');
    expect(globex).toEqual({
      id: batchId,
      state: 'completed',
      cutoffAt: expect.any(String),
      completedAt: expect.any(String),
      obligationCount: 2,
      positions: [{ tenantId: 'globex', currency: 'EUR', net: '-250' }],
      instructions: [
        expect.objectContaining({
          payerTenantId: 'globex',
          payeeTenantId: 'initech',
          amount: '250',
          state: 'posted',
          reason: null,
        }),
      ],
    });
    for (const leak of ['stuck-z', 'umbrella', 'exceeds_credits', 'failureReason'])
      expect(JSON.stringify(globex)).not.toContain(leak);
    expect(JSON.stringify(await view('initech'))).not.toContain('stuck-z');

    // The payer sees why its instruction is stuck; the payee only that it is pending.
    const payer = await view('stuck-z');
    expect(payer).toMatchObject({ state: 'posting', completedAt: null, obligationCount: 1 });
    expect(payer.instructions).toEqual([
      expect.objectContaining({ payeeTenantId: 'umbrella', state: 'pending', reason: 'exceeds_credits' }),
    ]);
    const payee = await view('umbrella');
    expect(payee.instructions).toEqual([
      expect.objectContaining({ payerTenantId: 'stuck-z', state: 'pending', reason: null }),
    ]);
    expect(JSON.stringify(payee)).not.toContain('exceeds_credits');
    for (const tenant of ['stuck-z', 'umbrella'])
      expect(JSON.stringify(await view(tenant))).not.toMatch(/globex|initech/);

    // Lists say the same per tenant; a tenant that took no part sees no such batch.
    const list = async (tenant: string) =>
      (await stack.settlementCall('GET', `/internal/tenants/${tenant}/batches`)).body.data.find(
        (b: { id: string }) => b.id === batchId,
      );
    expect(await list('globex')).toMatchObject({ state: 'completed' });
    expect(await list('umbrella')).toMatchObject({ state: 'posting', completedAt: null });
    expect(await list('acme')).toBeUndefined();
    const stranger = await stack.settlementCall('GET', `/internal/tenants/acme/batches/${batchId}`);
    expect(stranger.status).toBe(404);
  });

  it('keeps /admin for the admin token: the api token and no token are refused, bad input is a 400, an unknown instruction a 404', async () => {
    const none = await fetch(`${stack.settlement.service.managementUrl}/admin/instructions`);
    expect(none.status).toBe(401);
    const api = await stack.adminCall('GET', '/admin/instructions', undefined, TOKEN);
    expect(api.status).toBe(401);
    // Operator endpoints are not on the public port at all.
    const publicPort = await stack.settlementCall('GET', '/admin/instructions', undefined, ADMIN_TOKEN);
    expect(publicPort.status).toBe(404);
    const bad = await stack.adminCall('GET', '/admin/instructions?state=stuck&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['limit', 'state']);
    const unknown = await stack.adminCall('POST', `/admin/instructions/_stl-${'0'.repeat(48)}/redrive`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toMatch(/\/instruction-not-found$/);
    const malformed = await stack.adminCall('POST', '/admin/instructions/not-an-id/redrive');
    expect(malformed.status).toBe(400);
  });

  it('operates instructions from the command line with the database alone: list, cancel (confirmed by the running service), and refusals', async () => {
    const cli = (...args: string[]) =>
      runAppScript(
        'settlement',
        'cli.js',
        { DATABASE_URL: stack.settlement.database.url, LOG_LEVEL: 'warn' },
        ['instructions', ...args],
      );
    const listed = await cli('list');
    expect(listed.code).toBe(0);
    const pending = JSON.parse(listed.stdout).data;
    const stuckZ = pending.find((i: { payerTenantId: string }) => i.payerTenantId === 'stuck-z');
    expect(stuckZ).toMatchObject({ state: 'pending', reason: 'exceeds_credits' });

    // By its id: its transfer id changes with each refusal (the retry loop is at it meanwhile).
    const cancelled = await cli('cancel', stuckZ.id, 'tenant offboarded');
    expect(cancelled.code).toBe(0);
    // Its log lines (the request, for the audit trail) go to stderr; stdout is the instruction.
    expect(cancelled.stderr).toContain('cancellation requested');
    expect(JSON.parse(cancelled.stdout)).toMatchObject({
      id: stuckZ.id,
      state: 'cancelled',
      cancellation: { reason: 'tenant offboarded' },
    });
    expect(await settlementTransfers(`tenant_id = 'stuck-z'`)).toEqual([]);

    const posted = (
      await stack.settlementSql<{ id: string }>(
        `SELECT id FROM settlement_instructions WHERE state = 'posted' LIMIT 1`,
      )
    )[0]!;
    const refused = await cli('cancel', posted.id, 'nope');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('posted');
    expect((await cli('redrive', `_stl-${'0'.repeat(48)}`)).code).toBe(1);
    expect((await cli('frobnicate')).code).toBe(64);
  });

  it('lets two replicas retry one stuck instruction without ever sending it twice at once: one attempt per id, each id refused once, then posted exactly once', async () => {
    const hammering = {
      SETTLEMENT_RETRY_INTERVAL_MS: '50',
      SETTLEMENT_RETRY_BACKOFF_MS: '0',
      SETTLEMENT_RETRY_BACKOFF_MAX_MS: '0',
    };
    await stuckPayer('stuck-w');
    const before = await stack.obligations();
    await pay('stuck-w', 'w-1', 'initech', '900');
    await recorded(before, 1);
    const batchId = (await stack.cutoff())!;
    await stack.settlement.restart(hammering);
    const { ServiceProcess } = await import('@meridian/testing');
    const second = await ServiceProcess.start('settlement', {
      DATABASE_URL: stack.settlement.database.url,
      ...stack.settlementEnv(hammering),
    });
    try {
      await second.waitUntilReady(120_000);
      const busy = await waitFor('both replicas to retry it many times', async () => {
        const instruction = await instructionOf(batchId, 'stuck-w');
        return instruction.attempts >= 40 && instruction;
      });
      expect(busy.state).toBe('pending');
      // At rest (one replica, retries far apart), the records of both sides must agree exactly.
      await second.stop();
      await stack.settlement.restart({
        SETTLEMENT_RETRY_BACKOFF_MS: '600000',
        SETTLEMENT_RETRY_BACKOFF_MAX_MS: '600000',
      });
      await waitFor('the instruction to be scheduled far away', async () => {
        const instruction = await instructionOf(batchId, 'stuck-w');
        return Date.parse(instruction.nextAttemptAt) > Date.now() + 60_000;
      });
      const counters = () =>
        stack
          .settlementSql<{ attempts: number; generation: number }>(
            `SELECT attempts, generation FROM settlement_instructions WHERE id = $1`,
            [busy.id],
          )
          .then((rows) => rows[0]!);
      const atRest = await counters();
      // Every attempt was refused and moved the instruction to a new id: never two attempts of one id.
      expect(atRest.generation).toBe(atRest.attempts);
      const [failed] = await stack.ledgerSql<{ n: number; other: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE result <> 'exceeds_credits')::int AS other
           FROM failed_transfers WHERE tenant_id = 'stuck-w'`,
      );
      expect(failed).toEqual({ n: atRest.generation, other: 0 });

      await asSettlement('POST', '/v1/tenants/stuck-w/transfers', {
        transfers: [
          {
            id: 'fund-w',
            debitAccountId: 'main-EUR',
            creditAccountId: '_settlement-EUR',
            amount: '900',
            currency: 'EUR',
          },
        ],
      });
      const redriven = await stack.adminCall('POST', `/admin/instructions/${busy.id}/redrive`);
      expect(redriven.body).toMatchObject({ state: 'posted' });
      expect(await settlementTransfers(`tenant_id = 'stuck-w'`)).toEqual([
        expect.objectContaining({ id: redriven.body.transferId, credit_tenant_id: 'initech', amount: '900' }),
      ]);
      const final = await counters();
      expect(final.attempts).toBe(final.generation + 1);
    } finally {
      await second.stop();
      await stack.settlement.restart();
    }
  });
});
