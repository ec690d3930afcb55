import {
  accountRepresentation,
  accountResults,
  pageOf,
  transferItemResult,
  transferLookup,
  transferRepresentation,
  transferResults,
} from '@meridian/ledger-contract';
import { PartialRequest } from '@meridian/testing';
import type { z } from 'zod';
import { type LedgerClient, LedgerFixture, SERVICE_TOKEN } from './support/ledger-fixture';

const problem = (type: string) => expect.objectContaining({ type: `https://meridian.dev/problems/${type}` });

describe('ledger internal API', () => {
  let ledger: LedgerFixture;
  let client: LedgerClient;

  beforeAll(async () => {
    ledger = await LedgerFixture.start('ledger_api', { LEDGER_EXPIRY_INTERVAL_MS: '200' });
    client = ledger.client;
    const reply = await ledger.client.createAccounts('acme', [
      { id: 'cash', currency: 'EUR' },
      { id: 'wallet', currency: 'EUR', flags: { debitsMustNotExceedCredits: true } },
      // Other tenants may pay into the shop (their credits need the owner's consent).
      { id: 'shop', currency: 'EUR', flags: { acceptsExternalCredits: true } },
      { id: 'dollars', currency: 'USD' },
    ]);
    expect(reply.body.results.map((r: { result: string }) => r.result)).toEqual([
      'created',
      'created',
      'created',
      'created',
    ]);
    await ledger.client.createAccounts('globex', [
      { id: 'revenue', currency: 'EUR', flags: { acceptsExternalCredits: true } },
    ]);
  });

  afterAll(() => ledger?.stop());

  describe('authentication and tenancy', () => {
    it('refuses calls without the service token', async () => {
      const reply = await fetch(`${client.baseUrl}/v1/tenants/acme/accounts/cash`);
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toContain('Bearer');
      expect(await reply.json()).toEqual(problem('unauthorized'));
      const wrong = await client.request('GET', '/v1/tenants/acme/accounts/cash', undefined, {
        authorization: `Bearer ${SERVICE_TOKEN}x`,
      });
      expect(wrong.status).toBe(401);
    });

    it("never shows one tenant another's accounts or transfers", async () => {
      expect((await client.account('globex', 'cash')).status).toBe(404);
      expect((await client.account('globex', 'cash')).body).toEqual(problem('account-not-found'));
      expect((await client.accounts('globex')).body.data.map((a: { id: string }) => a.id)).toEqual([
        'revenue',
      ]);
      expect(
        await client.transfer('acme', {
          id: 'scoped',
          debitAccountId: 'cash',
          creditAccountId: 'shop',
          amount: '1',
          currency: 'EUR',
        }),
      ).toBe('created');
      expect((await client.request('GET', '/v1/tenants/globex/transfers/scoped')).status).toBe(404);
      // globex cannot move acme's money: its own id space has no such account.
      expect(
        await client.transfer('globex', {
          id: 'steal',
          debitAccountId: 'cash',
          creditAccountId: 'revenue',
          amount: '1',
          currency: 'EUR',
        }),
      ).toBe('debit_account_not_found');
    });

    it('pays another tenant when the credit account names it, and both sides see the transfer', async () => {
      expect(
        await client.transfer('acme', {
          id: 'to-globex',
          debitAccountId: 'cash',
          creditTenantId: 'globex',
          creditAccountId: 'revenue',
          amount: '250',
          currency: 'EUR',
        }),
      ).toBe('created');
      const incoming = await client.request('GET', '/v1/tenants/globex/accounts/revenue/transfers');
      expect(incoming.body.data.map((t: { id: string; tenantId: string }) => [t.tenantId, t.id])).toEqual([
        ['acme', 'to-globex'],
      ]);
      expect((await client.account('globex', 'revenue')).body.balances.creditsPosted).toBe('250');
    });
  });

  describe('accounts', () => {
    it('creates idempotently and names the field that differs', async () => {
      const reply = await client.createAccounts('acme', [
        { id: 'cash', currency: 'EUR' },
        { id: 'cash', currency: 'USD' },
        { id: 'wallet', currency: 'EUR' },
        {
          id: 'shop',
          currency: 'EUR',
          flags: { acceptsExternalCredits: true },
          metadata: { kind: 'merchant' },
        },
      ]);
      expect(reply.body.results.map((r: { result: string }) => r.result)).toEqual([
        'exists',
        'exists_with_different_currency',
        'exists_with_different_flags',
        'exists_with_different_metadata',
      ]);
    });

    it('pages through accounts with an opaque cursor', async () => {
      const first = await client.request('GET', '/v1/tenants/acme/accounts?limit=3');
      expect(first.body.data).toHaveLength(3);
      const second = await client.request(
        'GET',
        `/v1/tenants/acme/accounts?limit=3&cursor=${first.body.nextCursor}`,
      );
      expect([...first.body.data, ...second.body.data].map((a: { id: string }) => a.id)).toEqual([
        'cash',
        'wallet',
        'shop',
        'dollars',
      ]);
      expect(second.body.nextCursor).toBeNull();
      expect((await client.request('GET', '/v1/tenants/acme/accounts?cursor=not-ours')).body).toEqual(
        problem('validation-failed'),
      );
    });
  });

  describe('transfers', () => {
    it('applies a batch in order and answers one result per item', async () => {
      const reply = await client.transfers('acme', [
        { id: 'b-fund', debitAccountId: 'cash', creditAccountId: 'wallet', amount: '1000', currency: 'EUR' },
        { id: 'b-spend', debitAccountId: 'wallet', creditAccountId: 'shop', amount: '1000', currency: 'EUR' },
        { id: 'b-over', debitAccountId: 'wallet', creditAccountId: 'shop', amount: '1', currency: 'EUR' },
        { id: 'b-fx', debitAccountId: 'cash', creditAccountId: 'dollars', amount: '1', currency: 'EUR' },
        { id: 'b-nobody', debitAccountId: 'cash', creditAccountId: 'ghost', amount: '1', currency: 'EUR' },
      ]);
      expect(reply.status).toBe(200);
      expect(reply.body.results.map((r: { index: number; result: string }) => [r.index, r.result])).toEqual([
        [0, 'created'],
        [1, 'created'],
        [2, 'exceeds_credits'],
        [3, 'currency_mismatch'],
        [4, 'credit_account_not_found'],
      ]);
      expect(reply.body.results[0].transfer).toMatchObject({ id: 'b-fund', amount: '1000', currency: 'EUR' });
    });

    it('keeps the outcome of an id forever: exists, exists_with_different_*, id_already_failed', async () => {
      const fund = {
        id: 'k-fund',
        debitAccountId: 'cash',
        creditAccountId: 'wallet',
        amount: '10',
        currency: 'EUR',
      };
      expect(await client.transfer('acme', fund)).toBe('created');
      expect(await client.transfer('acme', fund)).toBe('exists');
      expect(await client.transfer('acme', { ...fund, amount: '11' })).toBe('exists_with_different_amount');
      expect(await client.transfer('acme', { ...fund, creditAccountId: 'shop' })).toBe(
        'exists_with_different_credit_account_id',
      );
      const tooMuch = {
        id: 'k-big',
        debitAccountId: 'wallet',
        creditAccountId: 'shop',
        amount: '999999',
        currency: 'EUR',
      };
      expect(await client.transfer('acme', tooMuch)).toBe('exceeds_credits');
      await client.transfer('acme', {
        id: 'k-topup',
        debitAccountId: 'cash',
        creditAccountId: 'wallet',
        amount: '999999',
        currency: 'EUR',
      });
      expect(await client.transfer('acme', tooMuch)).toBe('id_already_failed');
    });

    it('rolls back a linked chain with a failing item, leaving no trace of the others', async () => {
      const before = (await client.account('acme', 'cash')).body.balances;
      const reply = await client.transfers('acme', [
        {
          id: 'c1',
          debitAccountId: 'cash',
          creditAccountId: 'shop',
          amount: '5',
          currency: 'EUR',
          flags: { linked: true },
        },
        {
          id: 'c2',
          debitAccountId: 'cash',
          creditAccountId: 'shop',
          amount: '6',
          currency: 'EUR',
          flags: { linked: true },
        },
        { id: 'c3', debitAccountId: 'cash', creditAccountId: 'dollars', amount: '7', currency: 'EUR' },
      ]);
      expect(reply.body.results.map((r: { result: string }) => r.result)).toEqual([
        'linked_event_failed',
        'linked_event_failed',
        'currency_mismatch',
      ]);
      expect((await client.account('acme', 'cash')).body.balances).toEqual(before);
      expect(await ledger.sql(`SELECT id FROM transfers WHERE id IN ('c1', 'c2', 'c3')`)).toEqual([]);
      // The linked items were not at fault: they can still be created.
      expect(
        await client.transfer('acme', {
          id: 'c1',
          debitAccountId: 'cash',
          creditAccountId: 'shop',
          amount: '5',
          currency: 'EUR',
        }),
      ).toBe('created');
    });

    it('reserves, posts part of, and refuses to post again a pending transfer', async () => {
      await client.transfer('acme', {
        id: 'p-fund',
        debitAccountId: 'cash',
        creditAccountId: 'wallet',
        amount: '500',
        currency: 'EUR',
      });
      const walletBefore = (await client.account('acme', 'wallet')).body.balances;
      expect(
        await client.transfer('acme', {
          id: 'p-hold',
          debitAccountId: 'wallet',
          creditAccountId: 'shop',
          amount: '300',
          currency: 'EUR',
          flags: { pending: true },
        }),
      ).toBe('created');
      expect((await client.account('acme', 'wallet')).body.balances.debitsPending).toBe(
        String(BigInt(walletBefore.debitsPending) + 300n),
      );
      const posted = await client.request('POST', '/v1/tenants/acme/transfers/p-hold/post', {
        id: 'p-post',
        amount: '120',
      });
      expect(posted.body).toMatchObject({
        result: 'created',
        transfer: { amount: '120', pendingId: 'p-hold', flags: { postPending: true } },
      });
      const wallet = (await client.account('acme', 'wallet')).body.balances;
      expect(wallet.debitsPending).toBe(walletBefore.debitsPending);
      expect(wallet.debitsPosted).toBe(String(BigInt(walletBefore.debitsPosted) + 120n));
      expect(
        (await client.request('POST', '/v1/tenants/acme/transfers/p-hold/void', { id: 'p-void' })).body
          .result,
      ).toBe('pending_transfer_already_posted');
      const shown = await client.request('GET', '/v1/tenants/acme/transfers/p-hold');
      expect(shown.body.pendingState).toMatchObject({ state: 'posted', resolvedById: 'p-post' });
    });

    it('expires a pending transfer after its timeout, releasing the reservation', async () => {
      expect(
        await client.transfer('acme', {
          id: 'e-hold',
          debitAccountId: 'cash',
          creditAccountId: 'shop',
          amount: '77',
          currency: 'EUR',
          flags: { pending: true },
          timeoutSeconds: 1,
        }),
      ).toBe('created');
      const deadline = Date.now() + 10_000;
      let state = 'pending';
      while (state === 'pending' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        state = (await client.request('GET', '/v1/tenants/acme/transfers/e-hold')).body.pendingState.state;
      }
      expect(state).toBe('expired');
      expect(
        (await client.request('POST', '/v1/tenants/acme/transfers/e-hold/post', { id: 'e-post' })).body
          .result,
      ).toBe('pending_transfer_expired');
      const [row] = await ledger.sql<{ pending: string }>(
        `SELECT sum(debits_pending)::text AS pending FROM accounts WHERE tenant_id = 'acme'`,
      );
      expect(row?.pending).toBe('0');
    });

    it("lists an account's transfers newest first, page by page", async () => {
      for (let i = 0; i < 5; i++) {
        await client.transfer('globex', {
          id: `l-${i}`,
          debitAccountId: 'revenue',
          creditTenantId: 'acme',
          creditAccountId: 'shop',
          amount: '1',
          currency: 'EUR',
        });
      }
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const reply: { body: { data: { id: string }[]; nextCursor: string | null } } = await client.request(
          'GET',
          `/v1/tenants/globex/accounts/revenue/transfers?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        ids.push(...reply.body.data.map((t: { id: string }) => t.id));
        cursor = reply.body.nextCursor;
      } while (cursor);
      expect(ids).toEqual(['l-4', 'l-3', 'l-2', 'l-1', 'l-0', 'to-globex']);
    });
  });

  describe('metrics', () => {
    it('counts each posting batch once in every stage of ledger_posting_stage_seconds', async () => {
      const counts = async () => {
        const text = await (await fetch(`${ledger.service.managementUrl}/metrics`)).text();
        const stages = ['queue', 'begin', 'load', 'apply', 'write', 'commit'];
        return stages.map((stage) =>
          Number(
            new RegExp(
              `^ledger_posting_stage_seconds_count\\{[^}]*\\bstage="${stage}"[^}]*\\} (\\d+)$`,
              'm',
            ).exec(text)?.[1] ?? 0,
          ),
        );
      };
      const before = await counts();
      expect(
        await client.transfer('acme', {
          id: 'stage-timed',
          debitAccountId: 'cash',
          creditAccountId: 'shop',
          amount: '1',
          currency: 'EUR',
        }),
      ).toBe('created');
      const after = await counts();
      expect(after.map((count, i) => count - before[i]!)).toEqual([1, 1, 1, 1, 1, 1]);
    });
  });

  describe('answers', () => {
    /** z.object drops keys it does not know, so this fails on a missing, mistyped or undeclared field. */
    const expectShape = (schema: z.ZodType, body: unknown) => expect(schema.parse(body)).toEqual(body);

    it('are exactly the shapes of @meridian/ledger-contract, optional fields included', async () => {
      expectShape(
        accountResults,
        (
          await client.createAccounts('shapes', [
            { id: 'from', currency: 'EUR', metadata: { owner: 'ops' } },
            { id: 'to', currency: 'EUR', flags: { debitsMustNotExceedCredits: true } },
          ])
        ).body,
      );
      expectShape(
        transferResults,
        (
          await client.transfers('shapes', [
            { id: 'hold', debitAccountId: 'from', creditAccountId: 'to', amount: '100', currency: 'EUR' },
            {
              id: 'reserve',
              debitAccountId: 'from',
              creditAccountId: 'to',
              amount: '50',
              currency: 'EUR',
              flags: { pending: true },
              timeoutSeconds: 3600,
            },
            { id: 'refused', debitAccountId: 'to', creditAccountId: 'from', amount: '1000', currency: 'EUR' },
          ])
        ).body,
      );
      const posted = await client.request('POST', '/v1/tenants/shapes/transfers/reserve/post', {
        id: 'settle',
        amount: '20',
      });
      expect(posted.body).toMatchObject({ result: 'created', transfer: { pendingId: 'reserve' } });
      expectShape(transferItemResult, posted.body);
      const reserve = await client.request('GET', '/v1/tenants/shapes/transfers/reserve');
      expect(reserve.body).toMatchObject({ timeoutSeconds: 3600, pendingState: { state: 'posted' } });
      expectShape(transferRepresentation, reserve.body);
      expectShape(accountRepresentation, (await client.account('shapes', 'from')).body);
      const lookup = await client.request('POST', '/v1/tenants/shapes/transfers/lookup', {
        ids: ['hold', 'settle', 'none'],
      });
      expect(lookup.body.data[2]).toBeNull();
      expectShape(transferLookup, lookup.body);
      expectShape(pageOf(accountRepresentation), (await client.accounts('shapes', 1)).body);
      expectShape(
        pageOf(transferRepresentation),
        (await client.request('GET', '/v1/tenants/shapes/accounts/from/transfers?limit=2')).body,
      );
    });
  });

  describe('bad input', () => {
    const countTransfers = async () =>
      (await ledger.sql(`SELECT count(*)::int AS n FROM transfers`))[0]!.n as number;

    it.each([
      ['a number as amount', { amount: 100 }, 'transfers[0].amount', 'must be a string of decimal digits'],
      ['a zero amount', { amount: '0' }, 'transfers[0].amount', 'must be greater than zero'],
      ['a negative amount', { amount: '-5' }, 'transfers[0].amount', 'must be a string of decimal digits'],
      [
        'an amount beyond 64 bits',
        { amount: '9223372036854775808' },
        'transfers[0].amount',
        'must be at most 9223372036854775807',
      ],
      [
        'a fractional amount',
        { amount: '10.5' },
        'transfers[0].amount',
        'must be a string of decimal digits',
      ],
      ['an unknown currency', { currency: 'EUX' }, 'transfers[0].currency', 'ISO 4217'],
      ['an over-long id', { id: 'x'.repeat(65) }, 'transfers[0].id', 'at most 64 characters'],
      ['odd unicode in an id', { id: 'pay\u202Ement' }, 'transfers[0].id', 'may hold only letters'],
      ['an unknown field', { colour: 'red' }, 'transfers[0]', 'unknown field(s) "colour"'],
      [
        'the same account on both sides',
        { creditAccountId: 'cash' },
        'transfers[0].creditAccountId',
        'must differ',
      ],
      [
        'contradicting flags',
        { flags: { pending: true, postPending: true } },
        'transfers[0].flags',
        'exclude each other',
      ],
      ['a timeout without pending', { timeoutSeconds: 5 }, 'transfers[0].timeoutSeconds', 'only for pending'],
      [
        'an over-long metadata value',
        { metadata: { note: 'n'.repeat(257) } },
        'transfers[0].metadata.note',
        'at most 256',
      ],
    ])('rejects %s with a 400 naming the field, and writes nothing', async (_, change, field, message) => {
      const before = await countTransfers();
      const valid = {
        id: 'v-1',
        debitAccountId: 'cash',
        creditAccountId: 'shop',
        amount: '1',
        currency: 'EUR',
      };
      const reply = await client.transfers('acme', [{ ...valid, ...change }]);
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field, message: expect.stringContaining(message) }),
        ]),
      );
      expect(await countTransfers()).toBe(before);
    });

    it('rejects a whole batch when one item is bad', async () => {
      const before = await countTransfers();
      const reply = await client.transfers('acme', [
        { id: 'w-ok', debitAccountId: 'cash', creditAccountId: 'shop', amount: '1', currency: 'EUR' },
        { id: 'w-bad', debitAccountId: 'cash', creditAccountId: 'shop', amount: 'lots', currency: 'EUR' },
      ]);
      expect(reply.status).toBe(400);
      expect(await countTransfers()).toBe(before);
    });

    it('rejects malformed JSON, a missing body, empty and over-sized batches, and bad path ids', async () => {
      expect((await client.request('POST', '/v1/tenants/acme/transfers', '{"transfers": [')).body).toEqual(
        problem('malformed-json'),
      );
      expect((await client.request('POST', '/v1/tenants/acme/transfers', {})).body.errors).toEqual([
        { field: 'transfers', message: 'is required' },
      ]);
      expect((await client.transfers('acme', [])).body.errors[0].message).toContain('at least one');
      const many = Array.from({ length: 1001 }, (_, i) => ({
        id: `m${i}`,
        debitAccountId: 'cash',
        creditAccountId: 'shop',
        amount: '1',
        currency: 'EUR',
      }));
      expect((await client.transfers('acme', many)).body.errors[0].message).toContain('at most 1000');
      expect(
        (await client.request('GET', `/v1/tenants/${'t'.repeat(65)}/accounts/cash`)).body.errors[0].field,
      ).toBe('tenantId');
      const huge = JSON.stringify({
        transfers: [
          {
            id: 'h',
            debitAccountId: 'cash',
            creditAccountId: 'shop',
            amount: '1',
            currency: 'EUR',
            metadata: { x: 'y'.repeat(2_000_000) },
          },
        ],
      });
      // The server answers from Content-Length alone and closes the connection without reading the body, so a
      // client still uploading may see the connection reset before the answer: send the headers and a few bytes.
      const partial = await PartialRequest.open(ledger.service.port, '/v1/tenants/acme/transfers', huge, 100);
      const reply = await partial.response;
      expect(reply.status).toBe(413);
      expect(JSON.parse(reply.body)).toEqual(problem('payload-too-large'));
    });
  });
});
