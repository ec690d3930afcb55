import { randomBytes, randomUUID } from 'node:crypto';
import { provisionTenants, type RunTenant } from '@meridian/loadtest';
import { tenantOwner } from '@meridian/ledger-contract';
import { freePort, TEST_DATABASE_URL, TEST_REDIS_URL } from '@meridian/testing';
import { dropDatabases, localStackSettings } from '../src/local-stack';
import { type Replica, RunningStack } from '../src/running-stack';

/** The ledger's default partition count: the stack sets none. */
const PARTITIONS = 64;

/** POSTs to the ledger's transfers route a replica has served, from its own /metrics. */
async function transfersServed(replica: Replica): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${replica.managementPort}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('http_server_request_duration_seconds_count{') &&
        line.includes('method="POST"') &&
        /route="[^"]*\/transfers"/.test(line),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('tenant-affine routing from the api to three ledger processes', () => {
  const prefix = `meridian_affinity_${randomBytes(4).toString('hex')}`;
  let stack: RunningStack;
  let tenant: RunTenant;
  let ledgers: readonly Replica[];
  let owner: Replica;

  beforeAll(async () => {
    const settings = localStackSettings({
      MERIDIAN_POSTGRES_URL: TEST_DATABASE_URL,
      MERIDIAN_DATABASE_PREFIX: prefix,
      MERIDIAN_REDIS_URL: TEST_REDIS_URL,
      MERIDIAN_REDIS_KEY_PREFIX: prefix,
      MERIDIAN_LEDGER_REPLICAS: '3',
      LOG_LEVEL: 'warn',
    });
    for (const service of settings.registry.services) {
      settings.ports[service.name] = await freePort();
      settings.managementPorts[service.name] = await freePort();
    }
    stack = await RunningStack.start(settings, () => undefined);
    const [provisioned] = await provisionTenants({
      target: `http://127.0.0.1:${settings.ports.api}`,
      runId: `aff${randomBytes(3).toString('hex')}`,
      tenants: 1,
      // Currencies alternate: the first and the third share one.
      accountsPerTenant: 3,
      admin: { url: `http://127.0.0.1:${settings.managementPorts.api}`, token: settings.adminToken },
    });
    tenant = provisioned!;
    ledgers = stack.replicas('ledger');
    owner = ledgers[tenantOwner(tenant.id, PARTITIONS, ledgers.length)]!;
  }, 180_000);

  afterAll(async () => {
    if (!stack) return;
    await stack.stop();
    await dropDatabases(stack.settings);
  });

  /** One transfer through the api, sent once: its status. */
  async function transfer(): Promise<number> {
    const [debit, , credit] = tenant.accounts;
    const { response } = await tenant.client.POST('/v1/transfers', {
      params: { header: { 'Idempotency-Key': randomUUID() } },
      body: {
        id: randomUUID(),
        debitAccountId: debit!.id,
        creditAccountId: credit!.id,
        amount: '1',
        currency: debit!.currency,
      },
    });
    return response.status;
  }

  /** Resolves once the load has had that many answers. */
  const answered = (enough: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (!enough()) return;
        clearInterval(check);
        resolve();
      }, 10);
    });

  const served = () => Promise.all(ledgers.map((replica) => transfersServed(replica)));
  const delta = (after: number[], before: number[]) => after.map((n, i) => n - before[i]!);

  it('sends every write of a tenant to the ledger process that owns its partition while it is ready, to the others once it has stopped (no write failing while it stops), and to it again once it is back', async () => {
    const before = await served();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push(await transfer());
    expect(statuses).toEqual(Array(20).fill(201));
    expect(delta(await served(), before)).toEqual(ledgers.map((replica) => (replica === owner ? 20 : 0)));

    // The owner stops (SIGTERM, as a rolling update does) under load: every write still succeeds, once.
    let loading = true;
    const underLoad: number[] = [];
    const workers = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (loading) underLoad.push(await transfer());
      }),
    );
    const beforeStop = underLoad.length;
    await answered(() => underLoad.length >= beforeStop + 20);
    expect(await stack.stopReplica(owner)).toBe(0);
    const othersBefore = await Promise.all(ledgers.filter((r) => r !== owner).map(transfersServed));
    const afterStop = underLoad.length;
    await answered(() => underLoad.length >= afterStop + 20);
    loading = false;
    await workers;
    expect(underLoad.filter((status) => status !== 201)).toEqual([]);
    const othersAfter = await Promise.all(ledgers.filter((r) => r !== owner).map(transfersServed));
    expect(delta(othersAfter, othersBefore).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20);

    // Back and ready: once a write reaches it again (its ejection over), every write does.
    await stack.startReplica(owner);
    for (let attempt = 0; (await transfersServed(owner)) === 0; attempt++) {
      if (attempt === 1_000) throw new Error('no write reached the restarted owner');
      expect(await transfer()).toBe(201);
    }
    const back = await served();
    for (let i = 0; i < 20; i++) expect(await transfer()).toBe(201);
    expect(delta(await served(), back)).toEqual(ledgers.map((replica) => (replica === owner ? 20 : 0)));
  }, 300_000);
});
