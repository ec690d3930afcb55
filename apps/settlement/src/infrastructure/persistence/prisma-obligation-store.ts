import { Injectable } from '@nestjs/common';
import { ObligationStore } from '../../application/obligation-store.port';
import type { NewObligation } from '../../domain/obligation';
import { PrismaService } from './prisma.service';

/** Obligations in PostgreSQL, keyed by the event id that created them. */
@Injectable()
export class PrismaObligationStore extends ObligationStore {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async insertNew(obligations: readonly NewObligation[]): Promise<Set<string>> {
    const inserted = await this.prisma.$queryRaw<{ event_id: string }[]>`
      INSERT INTO obligations (event_id, transfer_id, payer_tenant_id, payee_tenant_id, currency, amount, occurred_at)
      SELECT event_id, transfer_id, payer_tenant_id, payee_tenant_id, currency, amount, occurred_at
        FROM jsonb_to_recordset(${JSON.stringify(
          obligations.map((o) => ({
            event_id: o.eventId,
            transfer_id: o.transferId,
            payer_tenant_id: o.payerTenantId,
            payee_tenant_id: o.payeeTenantId,
            currency: o.currency,
            amount: o.amount.toString(),
            occurred_at: o.occurredAt.toISOString(),
          })),
        )}::jsonb) AS r(event_id uuid, transfer_id text, payer_tenant_id text, payee_tenant_id text,
                           currency text, amount bigint, occurred_at timestamptz)
      ON CONFLICT (event_id) DO NOTHING
      RETURNING event_id::text`;
    return new Set(inserted.map((row) => row.event_id));
  }
}
