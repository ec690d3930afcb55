import { Injectable } from '@nestjs/common';
import type { LedgerEventJob } from '@meridian/ledger-contract';
import { type NewObligation, obligationFrom } from '../domain/obligation';
import { ObligationStore } from './obligation-store.port';
import { SettlementMetrics } from './settlement-metrics';

interface Waiting {
  obligation: NewObligation;
  resolve: (recorded: boolean) => void;
  reject: (error: unknown) => void;
}

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
  private queue: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly store: ObligationStore,
    private readonly metrics: SettlementMetrics,
  ) {}

  /** True when the event created an obligation now (false: not one, or already recorded). */
  record(event: LedgerEventJob): Promise<boolean> {
    const obligation = obligationFrom(event);
    if (obligation === null) return Promise.resolve(false);
    return new Promise((resolve, reject) => {
      this.queue.push({ obligation, resolve, reject });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const created = await this.store.insertNew(batch.map((waiting) => waiting.obligation));
        const now = Date.now();
        for (const waiting of batch) {
          const recorded = created.has(waiting.obligation.eventId);
          if (recorded)
            this.metrics.eventLag.observe(
              Math.max(0, (now - waiting.obligation.occurredAt.getTime()) / 1000),
            );
          // The same event twice in one batch: the first is the one recorded.
          created.delete(waiting.obligation.eventId);
          waiting.resolve(recorded);
        }
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.writing = false;
  }
}
