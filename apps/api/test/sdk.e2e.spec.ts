import { randomUUID } from 'node:crypto';
import type { MeridianClient } from '@meridian/sdk';
import { ApiStack, type TenantClient } from './support/api-fixture';

/** @meridian/sdk, the client generated from the document, against real api and ledger processes. */
describe('the SDK round trip', () => {
  let stack: ApiStack;
  let acme: TenantClient;
  let meridian: MeridianClient;

  beforeAll(async () => {
    stack = await ApiStack.start('api_sdk');
    acme = await stack.tenant('acme');
    meridian = acme.sdk;
  });

  afterAll(() => stack?.stop());

  it('creates accounts, moves money, replays the transfer with its key without moving it twice, and reads the balances', async () => {
    for (const id of ['wallet', 'shop']) {
      const { data, response } = await meridian.POST('/v1/accounts', {
        body: { id, currency: 'EUR', flags: { acceptsExternalCredits: false } },
      });
      expect(response.status).toBe(201);
      expect(data?.balances).toEqual({
        debitsPending: '0',
        debitsPosted: '0',
        creditsPending: '0',
        creditsPosted: '0',
      });
    }

    const key = randomUUID();
    const pay = {
      id: 'order-1',
      debitAccountId: 'wallet',
      creditAccountId: 'shop',
      amount: '2500',
      currency: 'EUR',
    };
    const first = await meridian.POST('/v1/transfers', {
      params: { header: { 'Idempotency-Key': key } },
      body: pay,
    });
    expect(first.response.status).toBe(201);
    expect(first.data).toMatchObject({ id: 'order-1', amount: '2500', creditAccountId: 'shop' });

    const replay = await meridian.POST('/v1/transfers', {
      params: { header: { 'Idempotency-Key': key } },
      body: pay,
    });
    expect(replay.response.status).toBe(201);
    expect(replay.response.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.data).toEqual(first.data);
    expect(await stack.ledgerTransfers('acme')).toEqual([{ id: 'order-1', amount: '2500' }]);

    const wallet = await meridian.GET('/v1/accounts/{id}', { params: { path: { id: 'wallet' } } });
    const shop = await meridian.GET('/v1/accounts/{id}', { params: { path: { id: 'shop' } } });
    expect(wallet.data?.balances).toMatchObject({ debitsPosted: '2500', creditsPosted: '0' });
    expect(shop.data?.balances).toMatchObject({ debitsPosted: '0', creditsPosted: '2500' });
    const listed = await meridian.GET('/v1/accounts/{id}/transfers', {
      params: { path: { id: 'wallet' }, query: { limit: 10 } },
    });
    expect(listed.data?.data.map((t) => t.id)).toEqual(['order-1']);
  });

  it('sends a key of its own when given none, so the same call made twice is two transfers', async () => {
    const pay = { debitAccountId: 'wallet', creditAccountId: 'shop', amount: '1', currency: 'EUR' };
    const a = await meridian.POST('/v1/transfers', { body: pay });
    const b = await meridian.POST('/v1/transfers', { body: pay });
    expect([a.response.status, b.response.status]).toEqual([201, 201]);
    expect(a.data?.id).not.toBe(b.data?.id);
    expect(b.response.headers.get('idempotent-replayed')).toBeNull();
  });

  it('reserves with a pending transfer, then posts it and voids another without a body, as the document allows', async () => {
    const reserve = (id: string) =>
      meridian.POST('/v1/transfers', {
        body: {
          id,
          debitAccountId: 'wallet',
          creditAccountId: 'shop',
          amount: '100',
          currency: 'EUR',
          pending: true,
        },
      });
    expect((await reserve('hold-1')).response.status).toBe(201);
    expect((await reserve('hold-2')).response.status).toBe(201);
    const posted = await meridian.POST('/v1/transfers/{id}/post', { params: { path: { id: 'hold-1' } } });
    const voided = await meridian.POST('/v1/transfers/{id}/void', { params: { path: { id: 'hold-2' } } });
    expect([posted.response.status, voided.response.status]).toEqual([201, 201]);
    expect([posted.data?.amount, voided.data?.amount]).toEqual(['100', '100']);
  });

  it('returns a problem as a typed error', async () => {
    const { data, error, response } = await meridian.POST('/v1/transfers', {
      body: { debitAccountId: 'nowhere', creditAccountId: 'shop', amount: '1', currency: 'EUR' },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ type: 'https://meridian.dev/problems/account-not-found', status: 404 });
    const invalid = await meridian.POST('/v1/transfers', {
      body: { debitAccountId: 'wallet', creditAccountId: 'shop', amount: '-1', currency: 'EUR' },
    });
    expect(invalid.error?.errors?.map((e) => e.field)).toEqual(['amount']);
  });
});
