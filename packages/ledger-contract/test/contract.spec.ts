import {
  AccountResult,
  amountText,
  balanceText,
  differingField,
  isSuccess,
  ledgerEventJob,
  TransferResult,
  transferResults,
} from '../src';

describe('ledger event contract', () => {
  const job = {
    eventId: '3b241101-e2bb-4255-8caf-4136c566a962',
    type: 'transfer.posted',
    tenantId: 'acme',
    occurredAt: '2026-01-01T00:00:00.000Z',
    transfer: {
      tenantId: 'acme',
      id: 'pay-1',
      kind: 'posted',
      debitAccountId: 'wallet',
      creditTenantId: 'globex',
      creditAccountId: 'revenue',
      amount: '9223372036854775807',
      currency: 'EUR',
      code: 0,
      pendingId: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    },
    traceparent: null,
  };

  it('accepts an event as the ledger writes it', () => {
    expect(ledgerEventJob.parse(job)).toEqual(job);
  });

  it('rejects amounts that are not positive 64-bit integers in decimal', () => {
    for (const amount of ['0', '-5', '1.5', '92233720368547758070', 12]) {
      expect(ledgerEventJob.safeParse({ ...job, transfer: { ...job.transfer, amount } }).success).toBe(false);
    }
  });
});

describe('amounts on the wire', () => {
  it('writes amounts as 1..2^63-1 and balances as 0..2^63-1, in decimal digits without sign or leading zeros', () => {
    for (const text of ['1', '1050', '9223372036854775807'])
      expect(amountText.safeParse(text).success).toBe(true);
    for (const text of ['0', '-1', '01', '1.5', ' 1', '9223372036854775808', ''])
      expect(amountText.safeParse(text).success).toBe(false);
    for (const text of ['0', '9223372036854775807']) expect(balanceText.safeParse(text).success).toBe(true);
    for (const text of ['-1', '00', '9223372036854775808'])
      expect(balanceText.safeParse(text).success).toBe(false);
  });

  it('reports one problem for an amount that is not digits', () => {
    expect(amountText.safeParse('-5').error?.issues).toHaveLength(1);
  });
});

describe('results', () => {
  it('counts created and exists as successes, for transfers and accounts alike', () => {
    const successes = Object.values(TransferResult).filter(isSuccess);
    expect(successes).toEqual(['created', 'exists']);
    expect(Object.values(AccountResult).filter(isSuccess)).toEqual(['created', 'exists']);
  });

  it('names the field that differs for exists_with_different_* and nothing else', () => {
    expect(differingField('exists_with_different_debit_account_id')).toBe('debit_account_id');
    expect(differingField('exists')).toBeNull();
    expect(differingField('exceeds_credits')).toBeNull();
  });

  it('accepts every result code in a batch answer, and no other', () => {
    const item = { index: 0, id: 'pay-1', result: 'exceeds_credits' };
    expect(transferResults.safeParse({ results: [item] }).success).toBe(true);
    expect(transferResults.safeParse({ results: [{ ...item, result: 'exceeded' }] }).success).toBe(false);
  });
});
