import { Injectable } from '@nestjs/common';
import { GroupCommit } from '@meridian/group-commit';
import type { LedgerEventJob } from '@meridian/ledger-contract';
import { type NewObligation, obligationFrom } from '../domain/obligation';
import { PrismaService } from '../infrastructure/persistence/prisma.service';
import { SettlementMetrics } from './settlement-metrics';

/** Most obligations written in one statement. */
const MAX_BATCH = 500;

/**
 * Records what ledger events owe, idempotently: keyed by event id, so
 * redelivery and duplicates change nothing. The jobs the worker runs at once
 * share their writes: obligations arriving while an insert is in flight are
 * written together by the next one (one statement, one commit), and each job
 * completes only once its own obligation is stored.
 */
@Injectable()
export class ObligationsService {
  private readonly writes: GroupCommit<NewObligation, boolean>;

  constructor(
    private readonly prisma: PrismaService,
    private readonly metrics: SettlementMetrics,
  ) {
    // One insert at a time; what arrives meanwhile goes in the next (a failed insert fails its jobs, which BullMQ retries).
    this.writes = new GroupCommit({
      commit: (obligations: NewObligation[]) => this.insert(obligations),
      maxWeight: MAX_BATCH,
      maxInFlight: 1,
      windowMs: 0,
      onGroupFailure: 'fail-all',
    });
  }

  /** True when the event created an obligation now (false: not one, or already recorded). */
  record(event: LedgerEventJob): Promise<boolean> {
    const obligation = obligationFrom(event);
    if (obligation === null) return Promise.resolve(false);
    return this.writes.submit(obligation);
  }

  /** Inserts a batch of obligations in one statement; true for each one it created. */
  private async insert(batch: NewObligation[]): Promise<boolean[]> {
    const inserted = await this.prisma.$queryRaw<{ event_id: string }[]>`
      INSERT INTO obligations (event_id, transfer_id, payer_tenant_id, payee_tenant_id, currency, amount, occurred_at)
      SELECT event_id, transfer_id, payer_tenant_id, payee_tenant_id, currency, amount, occurred_at
        FROM jsonb_to_recordset(${JSON.stringify(
          batch.map((o) => ({
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
    const created = new Set(inserted.map((row) => row.event_id));
    const now = Date.now();
    return batch.map((obligation) => {
      const recorded = created.has(obligation.eventId);
      if (recorded)
        this.metrics.eventLag.observe(Math.max(0, (now - obligation.occurredAt.getTime()) / 1000));
      // The same event twice in one batch: the first is the one recorded.
      created.delete(obligation.eventId);
      return recorded;
    });
  }
}
