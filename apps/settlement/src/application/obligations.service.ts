import { Injectable } from '@nestjs/common';
import { GroupCommit } from '@meridian/group-commit';
import type { LedgerEventJob } from '@meridian/ledger-contract';
import { type NewObligation, obligationFrom } from '../domain/obligation';
import { ObligationStore } from './obligation-store.port';
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
    private readonly store: ObligationStore,
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
    const created = await this.store.insertNew(batch);
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
