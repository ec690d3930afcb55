import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { SettlementConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks } from '@meridian/health';
import { createRedisClient } from '@meridian/redis';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { LEDGER_EVENTS_QUEUE } from '@meridian/ledger-contract';
import { type Job, Worker } from 'bullmq';

/**
 * Consumes ledger events. The worker has its own blocking connection
 * (BullMQ requires `maxRetriesPerRequest: null` for it) and is closed by the
 * drain phase of shutdown, which waits for the job in progress to finish.
 */
@Injectable()
export class LedgerEventsWorker implements OnApplicationBootstrap {
  private worker?: Worker;
  private readonly logger: Logger;

  constructor(
    @InjectConfig() private readonly config: SettlementConfig,
    @InjectLogger() logger: Logger,
    private readonly hooks: ShutdownHooks,
  ) {
    this.logger = logger.child({ component: 'ledger-events-worker' });
  }

  onApplicationBootstrap(): void {
    const connection = createRedisClient({
      url: this.config.REDIS_URL,
      connectionName: `${this.config.OTEL_SERVICE_NAME}:worker`,
      role: 'blocking',
      onError: (error) => this.logger.warn({ err: error }, 'worker redis connection error'),
    });
    this.worker = new Worker(LEDGER_EVENTS_QUEUE, (job) => this.process(job), {
      connection,
      prefix: this.config.REDIS_KEY_PREFIX,
      concurrency: this.config.WORKER_CONCURRENCY,
      autorun: true,
    });
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'worker error'));
    this.hooks.onDrain('ledger-events-worker', async () => {
      await this.worker?.close();
      connection.disconnect();
    });
  }

  private async process(job: Job): Promise<void> {
    // Ledger events are handled by the settlement domain (a later change);
    // until then they are acknowledged and logged.
    this.logger.debug({ jobId: job.id, name: job.name }, 'ledger event received');
    return Promise.resolve();
  }
}
