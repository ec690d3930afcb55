import { type LedgerEventJob, SETTLEMENT_TRANSFER_CODE } from '@meridian/ledger-contract';

export interface NewObligation {
  eventId: string;
  transferId: string;
  payerTenantId: string;
  payeeTenantId: string;
  currency: string;
  amount: bigint;
  occurredAt: Date;
}

/**
 * What a ledger event means for settlement: a posted transfer from one
 * tenant's account to another tenant's is an obligation of the payer to the
 * payee. Everything else (transfers within a tenant, reservations, voids and
 * expiries of reservations) moved no money between tenants: nothing to settle.
 * Settlement transfers themselves (SETTLEMENT_TRANSFER_CODE) discharge
 * obligations; they are not new ones.
 */
export function obligationFrom(event: LedgerEventJob): NewObligation | null {
  const { transfer } = event;
  if (event.type !== 'transfer.posted') return null;
  if (transfer.tenantId === transfer.creditTenantId || transfer.code === SETTLEMENT_TRANSFER_CODE)
    return null;
  return {
    eventId: event.eventId,
    transferId: transfer.id,
    payerTenantId: transfer.tenantId,
    payeeTenantId: transfer.creditTenantId,
    currency: transfer.currency,
    amount: BigInt(transfer.amount),
    occurredAt: new Date(event.occurredAt),
  };
}
