import fc from 'fast-check';
import { seeded, testSeed } from '@meridian/testing';
import { accountKey, type AccountState } from '../../src/domain/account';
import { type Command, post, type PostingState } from '../../src/domain/posting';
import { type CreateTransferCommand, type Transfer, transferKey } from '../../src/domain/transfer';
import { TransferResult } from '../../src/domain/transfer-result';

// Every property here draws its cases from the run's seed (printed in the suite titles).
fc.configureGlobal({ seed: testSeed() });

const TENANT = 't1';
const NOW = new Date('2026-01-01T00:00:00Z');

function account(id: string, overrides: Partial<AccountState> = {}): AccountState {
  return {
    tenantId: TENANT,
    id,
    currency: 'EUR',
    debitsMustNotExceedCredits: false,
    creditsMustNotExceedDebits: false,
    acceptsExternalCredits: false,
    debitsPending: 0n,
    debitsPosted: 0n,
    creditsPending: 0n,
    creditsPosted: 0n,
    ...overrides,
  };
}

function stateWith(accounts: AccountState[], transfers: Transfer[] = []): PostingState {
  return {
    now: NOW,
    accounts: new Map(accounts.map((a) => [accountKey(a.tenantId, a.id), a])),
    transfers: new Map(transfers.map((t) => [transferKey(t.tenantId, t.id), t])),
    pendingStates: new Map(),
    failures: new Map(),
  };
}

function transfer(
  id: string,
  debit: string,
  credit: string,
  amount: bigint,
  extra: Partial<CreateTransferCommand> = {},
) {
  return {
    kind: 'posted',
    tenantId: TENANT,
    id,
    debitAccountId: debit,
    creditTenantId: TENANT,
    creditAccountId: credit,
    amount,
    currency: 'EUR',
    code: 1,
    metadata: {},
    linked: false,
    timeoutSeconds: null,
    ...extra,
  } satisfies CreateTransferCommand;
}

const sum = (
  state: PostingState,
  field: keyof Pick<AccountState, 'debitsPosted' | 'creditsPosted' | 'debitsPending' | 'creditsPending'>,
) => [...state.accounts.values()].reduce((total, a) => total + a[field], 0n);

describe(seeded('posting engine'), () => {
  it('moves money and reports created, then exists for the same id', () => {
    const state = stateWith([account('a'), account('b')]);
    const first = post(state, [[transfer('x1', 'a', 'b', 500n)]]);
    expect(first.results[0]![0]!.result).toBe(TransferResult.created);
    expect(state.accounts.get(accountKey(TENANT, 'a'))!.debitsPosted).toBe(500n);
    expect(first.effects.accounts).toHaveLength(2);
    expect(first.effects.events.map((e) => e.type)).toEqual(['transfer.posted']);

    const again = post(state, [[transfer('x1', 'a', 'b', 500n)]]);
    expect(again.results[0]![0]!.result).toBe(TransferResult.exists);
    expect(again.effects.transfers).toEqual([]);
    expect(post(state, [[transfer('x1', 'a', 'b', 501n)]]).results[0]![0]!.result).toBe(
      TransferResult.existsWithDifferentAmount,
    );
  });

  it('counts pending amounts against limits, and records the failure against the id', () => {
    const wallet = account('wallet', { debitsMustNotExceedCredits: true, creditsPosted: 5_000n });
    const state = stateWith([wallet, account('shop')]);
    const outcome = post(state, [
      [transfer('p1', 'wallet', 'shop', 3_000n, { kind: 'pending' })],
      [transfer('p2', 'wallet', 'shop', 2_001n)],
      [transfer('p3', 'wallet', 'shop', 2_000n)],
    ]);
    expect(outcome.results.map((r) => r[0]!.result)).toEqual([
      TransferResult.created,
      TransferResult.exceedsCredits,
      TransferResult.created,
    ]);
    expect(outcome.effects.failures).toEqual([
      { tenantId: TENANT, id: 'p2', result: TransferResult.exceedsCredits },
    ]);
    // Funding the wallet does not make the failed id succeed later.
    wallet.creditsPosted += 10_000n;
    expect(post(state, [[transfer('p2', 'wallet', 'shop', 2_001n)]]).results[0]![0]!.result).toBe(
      TransferResult.idAlreadyFailed,
    );
  });

  it('rolls back a linked chain when one item fails, and fails the others with linked_event_failed', () => {
    const limited = account('c', { debitsMustNotExceedCredits: true });
    const state = stateWith([account('a'), account('b'), limited]);
    const outcome = post(state, [
      [
        transfer('l1', 'a', 'b', 100n, { linked: true }),
        transfer('l2', 'b', 'a', 50n, { linked: true }),
        transfer('l3', 'c', 'a', 1n), // fails: c has nothing
        transfer('after', 'a', 'b', 7n),
      ],
    ]);
    expect(outcome.results[0]!.map((r) => r.result)).toEqual([
      TransferResult.linkedEventFailed,
      TransferResult.linkedEventFailed,
      TransferResult.exceedsCredits,
      TransferResult.created,
    ]);
    expect(outcome.effects.transfers.map((t) => t.id)).toEqual(['after']);
    expect(state.accounts.get(accountKey(TENANT, 'a'))!.debitsPosted).toBe(7n);
    expect(state.accounts.get(accountKey(TENANT, 'b'))!.debitsPosted).toBe(0n);
  });

  it('refuses a chain left open at the end of a submission', () => {
    const state = stateWith([account('a'), account('b')]);
    const outcome = post(state, [
      [transfer('o1', 'a', 'b', 1n, { linked: true }), transfer('o2', 'a', 'b', 1n, { linked: true })],
    ]);
    expect(outcome.results[0]!.map((r) => r.result)).toEqual([
      TransferResult.linkedEventFailed,
      TransferResult.linkedEventChainOpen,
    ]);
    expect(outcome.effects.transfers).toEqual([]);
  });

  it('posts part of a pending transfer once, releasing the whole reservation', () => {
    const state = stateWith([account('a'), account('b')]);
    post(state, [[transfer('hold', 'a', 'b', 1_000n, { kind: 'pending', timeoutSeconds: 60 })]]);
    const resolve = (
      id: string,
      kind: 'post_pending' | 'void_pending',
      amount: bigint | null = null,
    ): Command => ({
      kind,
      tenantId: TENANT,
      id,
      pendingId: 'hold',
      amount,
      code: null,
      metadata: {},
      linked: false,
    });
    const outcome = post(state, [
      [resolve('post1', 'post_pending', 600n)],
      [resolve('post2', 'post_pending')],
      [resolve('void1', 'void_pending')],
    ]);
    expect(outcome.results.map((r) => r[0]!.result)).toEqual([
      TransferResult.created,
      TransferResult.pendingTransferAlreadyPosted,
      TransferResult.pendingTransferAlreadyPosted,
    ]);
    const a = state.accounts.get(accountKey(TENANT, 'a'))!;
    expect([a.debitsPending, a.debitsPosted]).toEqual([0n, 600n]);
    expect(outcome.effects.pendingUpdates.map((p) => p.state)).toEqual(['posted']);
  });

  it('expires a pending transfer only once its timeout has passed', () => {
    const state = stateWith([account('a'), account('b')]);
    post(state, [[transfer('hold', 'a', 'b', 300n, { kind: 'pending', timeoutSeconds: 10 })]]);
    const expire: Command = { kind: 'expire', tenantId: TENANT, pendingId: 'hold' };
    expect(post(state, [[expire]]).effects.events).toEqual([]);
    state.now = new Date(NOW.getTime() + 10_000);
    const outcome = post(state, [[expire]]);
    expect(outcome.effects.events.map((e) => e.type)).toEqual(['transfer.expired']);
    expect(state.accounts.get(accountKey(TENANT, 'a'))!.debitsPending).toBe(0n);
    expect(outcome.results).toEqual([[]]);
  });

  it('keeps debits equal to credits and every limit, for any batch (property)', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const command = fc.record({
      debit: fc.constantFrom(...ids),
      credit: fc.constantFrom(...ids),
      amount: fc.bigInt({ min: 1n, max: 5_000n }),
      pending: fc.boolean(),
      linked: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(command, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }),
        (batches) => {
          const state = stateWith([
            account('a', { debitsMustNotExceedCredits: true, creditsPosted: 4_000n }),
            account('b', { creditsMustNotExceedDebits: true, debitsPosted: 4_000n }),
            account('c'),
            account('d', { debitsMustNotExceedCredits: true }),
          ]);
          // Opening balances are one-sided; balance them against an outside account.
          state.accounts.set(
            accountKey(TENANT, 'outside'),
            account('outside', { debitsPosted: 4_000n, creditsPosted: 4_000n }),
          );
          let n = 0;
          const submissions = batches
            .map((items) =>
              items
                .filter((i) => i.debit !== i.credit)
                .map((i) =>
                  transfer(`t${n++}`, i.debit, i.credit, i.amount, {
                    kind: i.pending ? 'pending' : 'posted',
                    linked: i.linked,
                  }),
                ),
            )
            .filter((s) => s.length > 0);
          const outcome = post(state, submissions);
          expect(sum(state, 'debitsPosted')).toBe(sum(state, 'creditsPosted'));
          expect(sum(state, 'debitsPending')).toBe(sum(state, 'creditsPending'));
          for (const a of state.accounts.values()) {
            if (a.debitsMustNotExceedCredits)
              expect(a.debitsPending + a.debitsPosted).toBeLessThanOrEqual(a.creditsPosted);
            if (a.creditsMustNotExceedDebits)
              expect(a.creditsPending + a.creditsPosted).toBeLessThanOrEqual(a.debitsPosted);
          }
          // What was written is exactly what succeeded.
          const created = outcome.results
            .flat()
            .filter((r) => r.result === TransferResult.created)
            .map((r) => r.id);
          expect(outcome.effects.transfers.map((t) => t.id).sort()).toEqual(created.sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('credits to another tenant', () => {
    const payer = account('wallet');
    const other = (id: string, overrides: Partial<AccountState> = {}) =>
      account(id, { tenantId: 't2', ...overrides });
    const toOther = (id: string, credit: string, amount = 10n) =>
      transfer(id, 'wallet', credit, amount, { creditTenantId: 't2' });

    it('moves money only into an account its owner opened for credits from other tenants', () => {
      const state = stateWith([
        account('wallet'),
        other('closed'),
        other('open', { acceptsExternalCredits: true }),
      ]);
      const [results] = post(state, [[toOther('x1', 'closed'), toOther('x2', 'open')]]).results;
      expect(results!.map((r) => r.result)).toEqual([
        TransferResult.externalCreditRefused,
        TransferResult.created,
      ]);
      expect(state.accounts.get(accountKey('t2', 'closed'))!.creditsPosted).toBe(0n);
      expect(state.accounts.get(accountKey('t2', 'open'))!.creditsPosted).toBe(10n);
    });

    it("answers external_credit_refused whatever is wrong with the other tenant's account, so nothing about it leaks", () => {
      const state = stateWith([
        payer,
        other('usd', { acceptsExternalCredits: true, currency: 'USD' }),
        other('capped', { acceptsExternalCredits: true, creditsMustNotExceedDebits: true }),
        other('full', { acceptsExternalCredits: true, creditsPosted: 2n ** 63n - 5n }),
        other('closed'),
      ]);
      const [results] = post(state, [
        ['missing', 'usd', 'capped', 'full', 'closed'].map((credit, i) => toOther(`x${i}`, credit)),
      ]).results;
      expect(new Set(results!.map((r) => r.result))).toEqual(new Set([TransferResult.externalCreditRefused]));
    });

    it('still names what is wrong with an account of the same tenant', () => {
      const state = stateWith([payer, account('usd', { currency: 'USD' })]);
      const [results] = post(state, [
        [transfer('y1', 'wallet', 'missing', 1n), transfer('y2', 'wallet', 'usd', 1n)],
      ]).results;
      expect(results!.map((r) => r.result)).toEqual([
        TransferResult.creditAccountNotFound,
        TransferResult.currencyMismatch,
      ]);
    });
  });
});
