import type { SettlementConfig } from '../../config';
import { createRedisClient } from '@meridian/redis';
import type { Logger } from '@meridian/telemetry';
import type { Redis } from 'ioredis';

/** Cut-offs run as jobs of their own queue, one at a time per process. */
export const CUTOFFS_QUEUE = 'settlement-cutoffs';

/** A blocking connection for a BullMQ worker or queue (maxRetriesPerRequest: null, as BullMQ requires). */
export function queueConnection(config: SettlementConfig, logger: Logger, purpose: string): Redis {
  return createRedisClient({
    url: config.REDIS_URL,
    connectionName: `${config.OTEL_SERVICE_NAME}:${purpose}`,
    role: 'blocking',
    onError: (error) => logger.warn({ err: error, purpose }, 'queue redis connection error'),
  });
}

/**
 * Worker settings every settlement queue shares: a job whose worker died (its
 * lock not renewed for JOB_LOCK_MS) is found by the next stalled check and
 * taken over, twice at most.
 */
export const workerDefaults = (config: SettlementConfig) =>
  ({
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: config.JOB_LOCK_MS,
    maxStalledCount: 2,
  }) as const;

export const jobRetention = (config: SettlementConfig) => ({
  removeOnComplete: { age: config.JOB_KEEP_COMPLETED_HOURS * 3600 },
  removeOnFail: { age: config.JOB_KEEP_FAILED_DAYS * 86_400 },
});
