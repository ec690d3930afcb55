import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ServiceMetrics } from '@meridian/telemetry';
import { Gauge } from 'prom-client';
import { CONDITIONS } from '../../domain/instruction';
import { PrismaService } from './prisma.service';

/**
 * What an operator (and an alert) watches of stuck settlement, read from the
 * database at each scrape, so every replica reports the same truth:
 *
 * - `settlement_instructions_unposted{condition}`: pending instructions by
 *   condition (new, retrying, parked, cancelling; 0 when none);
 * - `settlement_instruction_oldest_unposted_age_seconds`: how long the
 *   oldest pending instruction has waited since its cut-off (0 when none).
 */
@Injectable()
export class InstructionGauges implements OnApplicationBootstrap {
  constructor(
    private readonly prisma: PrismaService,
    private readonly metrics: ServiceMetrics,
  ) {}

  onApplicationBootstrap(): void {
    const prisma = this.prisma;
    new Gauge({
      name: 'settlement_instructions_unposted',
      help: 'Pending settlement instructions by condition (new, retrying, parked, cancelling), read at scrape time.',
      labelNames: ['condition'] as const,
      registers: [this.metrics.registry],
      async collect() {
        try {
          const rows = await prisma.$queryRaw<{ condition: string; n: number }[]>`
            SELECT CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelling'
                        WHEN next_attempt_at IS NULL THEN 'parked'
                        WHEN first_failed_at IS NULL THEN 'new'
                        ELSE 'retrying' END AS condition,
                   count(*)::int AS n
              FROM settlement_instructions WHERE state = 'pending'
             GROUP BY 1`;
          const counts = new Map(rows.map((row) => [row.condition, row.n]));
          for (const condition of CONDITIONS) this.set({ condition }, counts.get(condition) ?? 0);
        } catch {
          // PostgreSQL unreachable: keep the last values; readiness reports the outage.
        }
      },
    });
    new Gauge({
      name: 'settlement_instruction_oldest_unposted_age_seconds',
      help: 'Seconds the oldest pending settlement instruction has waited since its cut-off (0 when none).',
      registers: [this.metrics.registry],
      async collect() {
        try {
          const [row] = await prisma.$queryRaw<{ seconds: number }[]>`
            SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS seconds
              FROM settlement_instructions WHERE state = 'pending'`;
          this.set(Math.max(0, row?.seconds ?? 0));
        } catch {
          // As above.
        }
      },
    });
  }
}
