import fc from 'fast-check';
import { seeded, testSeed } from '@meridian/testing';
import {
  classifyFence,
  classifyResult,
  conditionOf,
  retryDelayMs,
  settlementAccountId,
} from '../../src/domain/instruction';

// Every property here draws its cases from the run's seed (printed in the suite titles).
fc.configureGlobal({ seed: testSeed() });

describe('classifyResult', () => {
  it('counts created and exists as posted (exists: an earlier attempt with this id posted)', () => {
    expect(classifyResult('created')).toEqual({ kind: 'posted' });
    expect(classifyResult('exists')).toEqual({ kind: 'posted' });
  });

  it("rolls the payer's account over on overflows_debits, and has the payee's account checked on external_credit_refused", () => {
    expect(classifyResult('overflows_debits').kind).toBe('payer-overflow');
    expect(classifyResult('external_credit_refused').kind).toBe('credit-refused');
    expect(classifyResult('overflows_credits').kind).toBe('credit-refused');
  });

  it('parks an id the ledger holds with other fields, and takes every other result as a refusal for good', () => {
    expect(classifyResult('exists_with_different_amount')).toEqual({
      kind: 'conflict',
      reason: 'exists_with_different_amount',
    });
    for (const result of [
      'exceeds_credits',
      'id_already_failed',
      'debit_account_not_found',
      'currency_mismatch',
    ] as const)
      expect(classifyResult(result)).toEqual({ kind: 'refused', reason: result });
  });
});

describe('classifyFence', () => {
  it('is fenced when the id failed now or before, posted when the ledger holds a transfer under it', () => {
    expect(classifyFence('debit_account_not_found')).toBe('fenced');
    expect(classifyFence('id_already_failed')).toBe('fenced');
    expect(classifyFence('exists_with_different_debit_account_id')).toBe('posted');
    expect(classifyFence('exists')).toBe('posted');
    expect(classifyFence('linked_event_failed')).toBe('unknown');
  });
});

describe('conditionOf', () => {
  const at = new Date();
  it('tells new, retrying, parked and cancelling apart, a cancellation request first', () => {
    expect(conditionOf({ nextAttemptAt: at, firstFailedAt: null, cancelRequestedAt: null })).toBe('new');
    expect(conditionOf({ nextAttemptAt: at, firstFailedAt: at, cancelRequestedAt: null })).toBe('retrying');
    expect(conditionOf({ nextAttemptAt: null, firstFailedAt: at, cancelRequestedAt: null })).toBe('parked');
    expect(conditionOf({ nextAttemptAt: null, firstFailedAt: at, cancelRequestedAt: at })).toBe('cancelling');
  });
});

describe('settlementAccountId', () => {
  it('names epoch 0 _settlement-<CCY> and later epochs _settlement-<CCY>.<n>', () => {
    expect(settlementAccountId('EUR')).toBe('_settlement-EUR');
    expect(settlementAccountId('EUR', 0)).toBe('_settlement-EUR');
    expect(settlementAccountId('EUR', 3)).toBe('_settlement-EUR.3');
  });
});

describe(seeded('retryDelayMs (backoff schedule)'), () => {
  const schedule = { initialMs: 1_000, maxMs: 60_000 };

  it('doubles from the first delay up to the longest, each drawn in [half, whole) of its nominal value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), (failures) => {
        const nominal = Math.min(schedule.maxMs, schedule.initialMs * 2 ** (failures - 1));
        const delay = retryDelayMs(failures, schedule);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(nominal / 2);
        expect(delay).toBeLessThan(nominal);
      }),
    );
  });

  it('is about 1, 2, 4, 8 s for the first failures, and never beyond the longest delay', () => {
    expect(retryDelayMs(1, schedule)).toBeGreaterThanOrEqual(500);
    expect(retryDelayMs(1, schedule)).toBeLessThan(1_000);
    expect(retryDelayMs(4, schedule)).toBeGreaterThanOrEqual(4_000);
    expect(retryDelayMs(4, schedule)).toBeLessThan(8_000);
    expect(retryDelayMs(10_000, schedule)).toBeLessThan(60_000);
  });

  it('spreads retries of instructions that failed together (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(6, schedule)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
