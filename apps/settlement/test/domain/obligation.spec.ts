import { randomUUID } from 'node:crypto';
import { type LedgerEventJob, SETTLEMENT_TRANSFER_CODE } from '@meridian/ledger-contract';
import { obligationFrom } from '../../src/domain/obligation';

const event = (
  type: LedgerEventJob['type'],
  transfer: Partial<LedgerEventJob['transfer']> = {},
): LedgerEventJob => ({
  eventId: randomUUID(),
  type,
  tenantId: 'acme',
  occurredAt: '2026-01-01T00:00:00.000Z',
  transfer: {
    tenantId: 'acme',
    id: 't1',
    kind: 'posted',
    debitAccountId: 'main',
    creditTenantId: 'globex',
    creditAccountId: 'main',
    amount: '9223372036854775807',
    currency: 'EUR',
    code: 0,
    pendingId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...transfer,
  },
  traceparent: null,
});

describe('obligationFrom', () => {
  it('makes a posted transfer to another tenant an obligation of the payer to the payee, in bigint', () => {
    const e = event('transfer.posted');
    expect(obligationFrom(e)).toEqual({
      eventId: e.eventId,
      transferId: 't1',
      payerTenantId: 'acme',
      payeeTenantId: 'globex',
      currency: 'EUR',
      amount: 9223372036854775807n,
      occurredAt: new Date('2026-01-01T00:00:00.000Z'),
    });
  });

  it('counts a posted pending transfer (second phase) like any posted transfer', () => {
    expect(
      obligationFrom(event('transfer.posted', { kind: 'post_pending', pendingId: 'hold' }))?.amount,
    ).toBe(9223372036854775807n);
  });

  it('ignores reservations, their voids and expiries, transfers within a tenant, and settlements themselves', () => {
    expect(obligationFrom(event('transfer.pending', { kind: 'pending' }))).toBeNull();
    expect(obligationFrom(event('transfer.voided', { kind: 'void_pending', pendingId: 'hold' }))).toBeNull();
    expect(obligationFrom(event('transfer.expired', { kind: 'pending' }))).toBeNull();
    expect(obligationFrom(event('transfer.posted', { creditTenantId: 'acme' }))).toBeNull();
    expect(obligationFrom(event('transfer.posted', { code: SETTLEMENT_TRANSFER_CODE }))).toBeNull();
  });
});
