import { ApiStack, type TenantClient } from './support/api-fixture';
import { SettlementDriver } from './support/settlement-driver';

describe('GET /v1/settlements', () => {
  let stack: ApiStack;
  let acme: TenantClient;
  let globex: TenantClient;
  let initech: TenantClient;

  beforeAll(async () => {
    stack = await ApiStack.start('api_settlements', {}, { settlement: true });
    [acme, globex, initech] = [
      await stack.tenant('acme'),
      await stack.tenant('globex'),
      await stack.tenant('initech'),
    ];
    // Each tenant opens its main account to payments from other tenants.
    for (const client of [acme, globex, initech])
      await client.account('main', { flags: { acceptsExternalCredits: true } });
    await acme.fund('main', '100000');
  });

  afterAll(() => stack?.stop());

  it("shows a tenant its share of its settlements (own positions, obligation count and instructions) and nothing of anyone else's", async () => {
    const pay = await acme.post('/v1/transfers', {
      debitAccountId: 'main',
      creditTenantId: 'globex',
      creditAccountId: 'main',
      amount: '2500',
      currency: 'EUR',
    });
    expect(pay.status).toBe(201);
    // Settlement records the obligation from the ledger's event, then a cut-off settles it.
    const settlement = new SettlementDriver(stack);
    await settlement.waitForObligations(1);
    await settlement.cutoff();

    const list = await acme.get('/v1/settlements');
    expect(list.status).toBe(200);
    const [batch] = list.body.data;
    expect(batch.state).toBe('completed');

    const mine = await acme.get(`/v1/settlements/${batch.id}`);
    expect(mine.body).toMatchObject({ state: 'completed', obligationCount: 1 });
    expect(mine.body).not.toHaveProperty('failureReason');
    expect(mine.body.positions).toEqual([{ tenantId: 'acme', currency: 'EUR', net: '-2500' }]);
    expect(mine.body.instructions).toEqual([
      expect.objectContaining({
        payerTenantId: 'acme',
        payeeTenantId: 'globex',
        amount: '2500',
        part: 0,
        state: 'posted',
        reason: null,
      }),
    ]);
    expect((await globex.get(`/v1/settlements/${batch.id}`)).body.positions).toEqual([
      { tenantId: 'globex', currency: 'EUR', net: '2500' },
    ]);

    const stranger = await initech.get(`/v1/settlements/${batch.id}`);
    expect(stranger.status).toBe(404);
    expect((await initech.get('/v1/settlements')).body.data).toEqual([]);
  });
});
