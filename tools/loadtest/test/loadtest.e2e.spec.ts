import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OtlpReceiver, seeded, testSeed } from '@meridian/testing';
import { FaultyTarget } from './support/faulty-target';
import { MeridianStack } from './support/meridian-stack';
import { runCli } from './support/run-cli';
import { summarySchemaErrors } from './support/summary-schema';

/** Every scenario, so the audit sees every kind of transfer. */
const MIX = 'transfer=40,batch=10,pending=15,cross-tenant=15,read=10,retry=5,replay=5';
/**
 * Through a faulty target: every scenario but the careful client's retry, whose own retries would
 * answer the fault before the audit sees it.
 */
const FAULT_MIX = 'transfer=40,batch=10,pending=15,cross-tenant=15,read=10,replay=5';

/** Short and slow enough for a loaded two-core machine: this checks the tool, not the stack's speed. */
const LOAD = [
  '--rate',
  '30',
  '--duration',
  '3s',
  '--mix',
  MIX,
  '--tenants',
  '3',
  '--accounts',
  '4',
  '--seed',
  String(testSeed()),
];

describe(seeded('./meridian loadtest against a real api, ledger and settlement worker'), () => {
  let stack: MeridianStack;

  beforeAll(async () => {
    stack = await MeridianStack.start('loadtest_e2e');
  });

  afterAll(() => stack?.stop());

  it('runs at a fixed rate, meets its thresholds, passes the audit, exits 0, writes both reports and pushes its metrics over OTLP', async () => {
    const collector = await OtlpReceiver.start();
    const run = await runCli(
      [...LOAD, '--target', stack.url, '--threshold', 'error_rate<1%', '--threshold', 'p99<30s'],
      { ...stack.credentials, OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint },
    );
    await collector.close();
    expect({ code: run.code, stdout: run.stdout }).toEqual({
      code: 0,
      stdout: expect.stringContaining('PASSED'),
    });
    const summary = run.summary();
    expect(summarySchemaErrors(summary)).toEqual([]);
    expect(summary.passed).toBe(true);
    expect(summary.totals.operations).toBe(90);
    // The last export happens at shutdown, before the command exits.
    const metrics = collector.received('/v1/metrics');
    expect(metrics).toContain('loadtest.operation.duration');
    expect(metrics).toContain('"stringValue":"transfer"');
    // Every operation is one of the mix's scenarios, each accounted for once.
    for (const { name } of summary.scenarios) expect(MIX).toContain(`${name}=`);
    expect(summary.scenarios.reduce((sum, s) => sum + s.operations, 0)).toBe(90);
    expect(summary.audit).toMatchObject({ ran: true, passed: true, violations: [] });
    expect(summary.audit.checked.acknowledged).toBeGreaterThan(0);
    expect(summary.audit.checked.accounts).toBe(12);
    expect(summary.thresholds.map((t) => [t.expression, t.passed])).toEqual([
      ['error_rate<1%', true],
      ['p99<30s', true],
    ]);
    expect(existsSync(join(run.reportDir, 'report.html'))).toBe(true);
    // The admin token is never printed.
    expect(run.stdout + run.stderr).not.toContain(stack.adminToken);
  });

  it('with the settlement internal API given, audits that every cross-tenant transfer became exactly one obligation with matching nets', async () => {
    const run = await runCli(
      [...LOAD, '--mix', 'cross-tenant=3,transfer=1', '--target', stack.url, '--threshold', 'error_rate<1%'],
      { ...stack.credentials, ...stack.settlementCredentials },
    );
    expect({ code: run.code, stdout: run.stdout }).toEqual({
      code: 0,
      stdout: expect.stringContaining('PASSED'),
    });
    const { audit } = run.summary();
    expect(audit.violations).toEqual([]);
    // Every cross-tenant transfer that exists was counted as one obligation (none refused at this load).
    expect(audit.checked.obligations).toBe(
      run.summary().scenarios.find((s) => s.name === 'cross-tenant')?.operations,
    );
    expect(run.stdout + run.stderr).not.toContain(stack.settlementCredentials.LOADTEST_SETTLEMENT_TOKEN);
    // The audit waits up to a minute for obligations to arrive: more than the default test timeout.
  }, 180_000);

  it('exits 1 and marks the threshold failed when a threshold is crossed, with the audit still passing', async () => {
    const run = await runCli(
      [...LOAD, '--duration', '1s', '--target', stack.url, '--threshold', 'p50<0.001ms'],
      stack.credentials,
    );
    expect(run.code).toBe(1);
    const summary = run.summary();
    expect(summary.thresholds).toEqual([
      expect.objectContaining({ expression: 'p50<0.001ms', passed: false }),
    ]);
    expect(summary.audit.passed).toBe(true);
  });

  it('fails the audit and names the transfer when the target acknowledges a write and loses it', async () => {
    const target = await FaultyTarget.start(stack.url, 'acknowledge-and-drop', 5);
    try {
      const run = await runCli(
        [...LOAD, '--mix', FAULT_MIX, '--target', target.url, '--threshold', 'error_rate<1%'],
        stack.credentials,
      );
      expect(target.faultedTransferId).toBeDefined();
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: expect.any(String) });
      const summary = run.summary();
      expect(summary.passed).toBe(false);
      expect(summary.audit.violations).toEqual([
        expect.objectContaining({ kind: 'acknowledged-missing', transferId: target.faultedTransferId }),
      ]);
      expect(run.stdout).toContain(`acknowledged-missing`);
      expect(run.stdout).toContain(target.faultedTransferId);
    } finally {
      await target.stop();
    }
  });

  it('fails the audit and names the transfer when the target does a write and answers that it refused it', async () => {
    const target = await FaultyTarget.start(stack.url, 'do-and-refuse', 5);
    try {
      const run = await runCli(
        [...LOAD, '--mix', FAULT_MIX, '--target', target.url, '--threshold', 'error_rate<5%'],
        stack.credentials,
      );
      expect(run.code).toBe(2);
      expect(run.summary().audit.violations).toEqual([
        expect.objectContaining({ kind: 'refused-exists', transferId: target.faultedTransferId }),
      ]);
    } finally {
      await target.stop();
    }
  });

  it('resolves a transfer left in doubt (done, then no answer) by sending its key again, and passes the audit', async () => {
    const target = await FaultyTarget.start(stack.url, 'do-and-hang-up', 5);
    try {
      const run = await runCli(
        [...LOAD, '--mix', FAULT_MIX, '--target', target.url, '--threshold', 'error_rate<5%'],
        stack.credentials,
      );
      expect({ code: run.code, stdout: run.stdout }).toEqual({
        code: 0,
        stdout: expect.stringContaining('PASSED'),
      });
      const { audit, totals } = run.summary();
      expect(totals.errors).toEqual({ network: 1 });
      expect(audit).toMatchObject({ passed: true, violations: [] });
      expect(audit.checked.inDoubt).toBe(1);
    } finally {
      await target.stop();
    }
  });

  it('passes the audit when posts and voids are refused and the pending transfers still hold their amounts', async () => {
    const target = await FaultyTarget.start(stack.url, 'refuse-resolutions', 1);
    try {
      const run = await runCli(
        [...LOAD, '--mix', 'pending=3,transfer=1', '--target', target.url, '--threshold', 'error_rate<100%'],
        stack.credentials,
      );
      expect(target.faultedTransferId).toBeDefined();
      expect({ code: run.code, stdout: run.stdout }).toEqual({
        code: 0,
        stdout: expect.stringContaining('PASSED'),
      });
      const { audit, scenarios } = run.summary();
      expect(audit).toMatchObject({ passed: true, violations: [] });
      // Every pending transfer was acknowledged and its resolution refused.
      expect(scenarios.find((s) => s.name === 'pending')?.errors).toEqual({
        'https://meridian.dev/problems/insufficient-funds': scenarios.find((s) => s.name === 'pending')
          ?.operations,
      });
    } finally {
      await target.stop();
    }
  });

  it('runs with existing API keys from LOADTEST_API_KEYS, without the admin token, and passes the audit', async () => {
    const keys: string[] = [];
    for (const tenant of ['given-a', 'given-b']) {
      const admin = (path: string, body: unknown) =>
        fetch(`${stack.credentials.LOADTEST_ADMIN_URL}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((response) => response.json() as Promise<{ token: string }>);
      await admin('/admin/tenants', { id: tenant, name: tenant });
      keys.push(
        `${tenant} ${(await admin(`/admin/tenants/${tenant}/keys`, { name: 'load', scopes: ['read', 'write'] })).token}`,
      );
    }
    const run = await runCli([...LOAD, '--target', stack.url, '--threshold', 'error_rate<1%'], {
      LOADTEST_API_KEYS: keys.join(','),
    });
    expect({ code: run.code, stdout: run.stdout }).toEqual({
      code: 0,
      stdout: expect.stringContaining('PASSED'),
    });
    expect(run.summary().audit).toMatchObject({ passed: true, checked: { accounts: 8 } });
    for (const key of keys) expect(run.stdout + run.stderr).not.toContain(key.split(' ')[1]);
  });

  it('refuses to start without credentials, naming what to set, with exit code 64', async () => {
    const run = await runCli(['--target', stack.url], {});
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('LOADTEST_ADMIN_TOKEN');
  });
});
