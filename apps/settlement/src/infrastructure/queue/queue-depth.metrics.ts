import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { SettlementConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks } from '@meridian/health';
import { LEDGER_EVENTS_QUEUE } from '@meridian/ledger-contract';
import { closeRedisClient } from '@meridian/redis';
import { InjectLogger, type Logger, ServiceMetrics } from '@meridian/telemetry';
import { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { CUTOFFS_QUEUE, queueConnection } from './queues';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

/**
 * `settlement_queue_jobs{queue, state}`, read from Redis at each scrape: the
 * signal an autoscaler (KEDA's Prometheus trigger) scales the workers on.
 */
@Injectable()
export class QueueDepthMetrics implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    @InjectConfig() private readonly config: SettlementConfig,
    @InjectLogger() logger: Logger,
    private readonly hooks: ShutdownHooks,
    private readonly metrics: ServiceMetrics,
  ) {
    this.logger = logger.child({ component: 'queue-depth' });
  }

  onApplicationBootstrap(): void {
    const connection = queueConnection(this.config, this.logger, 'queue-depth');
    const queues = [LEDGER_EVENTS_QUEUE, CUTOFFS_QUEUE].map(
      (name) => new Queue(name, { connection, prefix: this.config.REDIS_KEY_PREFIX }),
    );
    for (const queue of queues) queue.on('error', () => undefined); // reported by the connection
    new Gauge({
      name: 'settlement_queue_jobs',
      help: 'Jobs in each queue by state, read at scrape time.',
      labelNames: ['queue', 'state'] as const,
      registers: [this.metrics.registry],
      async collect() {
        for (const queue of queues) {
          try {
            const counts = await queue.getJobCounts(...STATES);
            for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          } catch {
            // Redis unreachable: keep the last values; readiness reports the outage.
          }
        }
      },
    });
    this.hooks.onClose('queue-depth', async () => {
      await Promise.all(queues.map((q) => q.close()));
      await closeRedisClient(connection);
    });
  }
}
