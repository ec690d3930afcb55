import { ServiceProcess } from '@meridian/testing';
import { LedgerClient, LedgerFixture, SERVICE_TOKEN, SETTLEMENT_TOKEN } from './support/ledger-fixture';

const problem = (type: string) => expect.objectContaining({ type: `https://meridian.dev/problems/${type}` });
const fieldError = (field: string, message: string | RegExp) =>
  expect.objectContaining({
    type: 'https://meridian.dev/problems/validation-failed',
    errors: expect.arrayContaining([
      { field, message: typeof message === 'string' ? message : expect.stringMatching(message) },
    ]),
  });
const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

describe('ledger callers: each service with its own credential and its own rights', () => {
  let ledger: LedgerFixture;
  let api: LedgerClient;
  let settlement: LedgerClient;

  beforeAll(async () => {
    ledger = await LedgerFixture.start('ledger_callers', { LEDGER_MAX_EXTERNAL_PENDING_SECONDS: '600' });
    api = ledger.client;
    settlement = ledger.settlementClient;
    await api.createAccounts('acme', [{ id: 'cash', currency: 'EUR' }]);
    await api.createAccounts('globex', [
      { id: 'open', currency: 'EUR', flags: { acceptsExternalCredits: true } },
      { id: 'closed', currency: 'EUR' },
    ]);
  });

  afterAll(() => ledger?.stop());

  describe('platform identifiers (starting with "_")', () => {
    it("refuses the api's attempt to create, name or read a platform account, naming the field", async () => {
      const create = await api.createAccounts('acme', [{ id: '_settlement-EUR', currency: 'EUR' }]);
      expect(create.status).toBe(400);
      expect(create.body).toEqual(fieldError('accounts[0].id', /must start with a letter or digit/));
      const transfer = await api.transfers('acme', [
        { id: 'x', debitAccountId: 'cash', creditAccountId: '_settlement-EUR', amount: '1', currency: 'EUR' },
      ]);
      expect(transfer.body).toEqual(
        fieldError('transfers[0].creditAccountId', /must start with a letter or digit/),
      );
      const collide = await api.transfers('acme', [
        { id: '_stl-1', debitAccountId: 'cash', creditAccountId: 'cash2', amount: '1', currency: 'EUR' },
      ]);
      expect(collide.body).toEqual(fieldError('transfers[0].id', /must start with a letter or digit/));
      expect((await api.account('acme', '_settlement-EUR')).status).toBe(400);
    });

    it('lets the settlement service keep platform accounts in a tenant, hidden from what the api lists', async () => {
      const create = await settlement.createAccounts('acme', [
        { id: '_settlement-EUR', currency: 'EUR', code: 65_535, flags: { acceptsExternalCredits: true } },
      ]);
      expect(create.body.results[0].result).toBe('created');
      expect((await settlement.account('acme', '_settlement-EUR')).status).toBe(200);
      const apiView = (await api.accounts('acme')).body.data.map((a: { id: string }) => a.id);
      expect(apiView).toEqual(['cash']);
      const settlementView = (await settlement.accounts('acme')).body.data.map((a: { id: string }) => a.id);
      expect(settlementView).toEqual(['cash', '_settlement-EUR']);
    });

    it('accepts the settlement transfer code 65535 from the settlement service only', async () => {
      const byApi = await api.transfers('acme', [
        {
          id: 'fake-settlement',
          debitAccountId: 'cash',
          creditTenantId: 'globex',
          creditAccountId: 'open',
          amount: '1',
          currency: 'EUR',
          code: 65_535,
        },
      ]);
      expect(byApi.status).toBe(400);
      expect(byApi.body).toEqual(fieldError('transfers[0].code', /reserved for settlements/));
      await settlement.createAccounts('globex', [
        { id: '_settlement-EUR', currency: 'EUR', code: 65_535, flags: { acceptsExternalCredits: true } },
      ]);
      const bySettlement = await settlement.transfer('acme', {
        id: '_stl-test',
        debitAccountId: '_settlement-EUR',
        creditTenantId: 'globex',
        creditAccountId: '_settlement-EUR',
        amount: '5',
        currency: 'EUR',
        code: 65_535,
      });
      expect(bySettlement).toBe('created');
    });
  });

  describe('credits to another tenant', () => {
    it('pays only into an account opened for it, and gives one answer for every other case', async () => {
      const pay = (id: string, creditAccountId: string, extra: object = {}) =>
        api.transfer('acme', {
          id,
          debitAccountId: 'cash',
          creditTenantId: 'globex',
          creditAccountId,
          amount: '10',
          currency: 'EUR',
          ...extra,
        });
      expect(await pay('c-open', 'open')).toBe('created');
      expect(await pay('c-closed', 'closed')).toBe('external_credit_refused');
      expect(await pay('c-missing', 'nowhere')).toBe('external_credit_refused');
      expect(await pay('c-usd', 'open', { currency: 'USD' })).toBe('currency_mismatch'); // the payer's own account
      const [closed] = await ledger.sql<{ credits_posted: string }>(
        `SELECT credits_posted::text FROM accounts WHERE tenant_id = 'globex' AND id = 'closed'`,
      );
      expect(closed!.credits_posted).toBe('0');
    });

    it("bounds a reservation on another tenant's account: the longest allowed when none is given, 400 beyond it", async () => {
      const reserve = (id: string, extra: object) =>
        api.transfers('acme', [
          {
            id,
            debitAccountId: 'cash',
            creditTenantId: 'globex',
            creditAccountId: 'open',
            amount: '9223372036854775000',
            currency: 'EUR',
            flags: { pending: true },
            ...extra,
          },
        ]);
      const unbounded = await reserve('p-default', {});
      expect(unbounded.body.results[0]).toMatchObject({
        result: 'created',
        transfer: { timeoutSeconds: 600 },
      });
      const tooLong = await reserve('p-long', { timeoutSeconds: 601 });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body).toEqual(
        fieldError('transfers[0].timeoutSeconds', 'must be at most 600 for a transfer to another tenant'),
      );
      const [state] = await ledger.sql<{ expires_at: Date | null }>(
        `SELECT expires_at FROM pending_transfers WHERE tenant_id = 'acme' AND transfer_id = 'p-default'`,
      );
      expect(state!.expires_at).not.toBeNull();
    });
  });

  describe('input PostgreSQL would refuse is a 400 naming the field', () => {
    it('refuses a cursor beyond BIGINT on both listings', async () => {
      for (const path of ['/v1/tenants/acme/accounts', '/v1/tenants/acme/accounts/cash/transfers']) {
        const reply = await api.request('GET', `${path}?cursor=${cursorOf('s9999999999999999999')}`);
        expect(reply.status).toBe(400);
        expect(reply.body).toEqual(fieldError('cursor', 'is not a cursor this service issued'));
      }
      const largest = await api.request(
        'GET',
        `/v1/tenants/acme/accounts?cursor=${cursorOf('s9223372036854775807')}`,
      );
      expect([largest.status, largest.body.data]).toEqual([200, []]);
    });

    it('refuses NUL characters and unpaired surrogates in metadata keys and values', async () => {
      const bad = [{ note: 'a\u0000b' }, { note: 'x\ud800y' }, { ['k\udc00']: 'v' }];
      for (const metadata of bad) {
        const transfer = await api.transfers('acme', [
          {
            id: 'meta',
            debitAccountId: 'cash',
            creditTenantId: 'globex',
            creditAccountId: 'open',
            amount: '1',
            currency: 'EUR',
            metadata,
          },
        ]);
        expect(transfer.status).toBe(400);
        expect(transfer.body.errors).toEqual([
          {
            field: expect.stringMatching(/^transfers\[0\]\.metadata\./),
            message: expect.stringMatching(
              /without NUL characters or unpaired surrogates|must not contain NUL characters or unpaired surrogates/,
            ),
          },
        ]);
        const account = await api.createAccounts('acme', [{ id: 'meta', currency: 'EUR', metadata }]);
        expect(account.status).toBe(400);
      }
      expect((await api.request('GET', '/v1/tenants/acme/transfers/meta')).body).toEqual(
        problem('transfer-not-found'),
      );
    });
  });

  describe('token rotation', () => {
    it('accepts the current and the next token while both are configured, and refuses the old one after the switch', async () => {
      const next = 'ledger-e2e-api-token-next-0123456789abcdefgh';
      const env = { ...ledger.env, INBOUND_API_TOKEN_NEXT: next };
      const both = await ServiceProcess.start('ledger', env);
      try {
        await both.waitUntilReady(120_000);
        expect((await new LedgerClient(both.url, SERVICE_TOKEN).account('acme', 'cash')).status).toBe(200);
        expect((await new LedgerClient(both.url, next).account('acme', 'cash')).status).toBe(200);
        expect((await new LedgerClient(both.url, SETTLEMENT_TOKEN).account('acme', 'cash')).status).toBe(200);
      } finally {
        await both.stop();
      }
      const switched = await ServiceProcess.start('ledger', { ...ledger.env, INBOUND_API_TOKEN: next });
      try {
        await switched.waitUntilReady(120_000);
        expect((await new LedgerClient(switched.url, next).account('acme', 'cash')).status).toBe(200);
        const old = await new LedgerClient(switched.url, SERVICE_TOKEN).account('acme', 'cash');
        expect([old.status, old.body]).toEqual([401, problem('unauthorized')]);
      } finally {
        await switched.stop();
      }
    });
  });
});
