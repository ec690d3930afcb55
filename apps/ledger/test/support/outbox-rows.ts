/** A posted transfer as events carry it, for outbox rows written by a test itself. */
export const postedEventTransfer = (tenantId: string, id: string, createdAt: string) => ({
  tenantId,
  id,
  kind: 'posted',
  debitAccountId: 'a',
  creditTenantId: tenantId,
  creditAccountId: 'b',
  amount: '1',
  currency: 'EUR',
  code: 1,
  pendingId: null,
  createdAt,
});
