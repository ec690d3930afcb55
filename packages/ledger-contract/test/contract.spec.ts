import { ledgerEventJob } from '../src';

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
