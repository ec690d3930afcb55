import { Injectable } from '@nestjs/common';
import type { LedgerEventJob } from '@meridian/ledger-contract';
import { obligationFrom } from '../domain/obligation';
import { PrismaService } from '../infrastructure/persistence/prisma.service';
import { SettlementMetrics } from './settlement-metrics';

/** Records what ledger events owe: idempotently, keyed by event id, so redelivery and duplicates change nothing. */
@Injectable()
export class ObligationsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly metrics: SettlementMetrics,
  ) {}

  /** True when the event created an obligation now (false: not one, or already recorded). */
  async record(event: LedgerEventJob): Promise<boolean> {
    const obligation = obligationFrom(event);
    if (obligation === null) return false;
    const { count } = await this.prisma.obligation.createMany({ data: [obligation], skipDuplicates: true });
    if (count === 1)
      this.metrics.eventLag.observe(Math.max(0, (Date.now() - obligation.occurredAt.getTime()) / 1000));
    return count === 1;
  }
}
