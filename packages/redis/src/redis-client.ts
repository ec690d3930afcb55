import { Redis, type RedisOptions } from 'ioredis';

export interface RedisClientSettings {
  url: string;
  /** Names the connection in `CLIENT LIST` and in logs. */
  connectionName: string;
  onError: (error: Error) => void;
  /**
   * `command`: fail fast when disconnected, and after COMMAND_TIMEOUT_MS when
   * Redis does not answer (request paths; readiness checks).
   * `blocking`: wait and reconnect forever (BullMQ workers, which require
   * `maxRetriesPerRequest: null`).
   */
  role: 'command' | 'blocking';
}

/**
 * Longest a command client waits for an answer. Auto-pipelining sends the
 * next batch of commands only once the batch in flight is answered, so
 * without a bound a connection that stops answering would hold every later
 * command too, where the request paths count on failing fast (a 503 that says
 * nothing was done, or a rate limit that lets the request through).
 */
export const COMMAND_TIMEOUT_MS = 2_000;

/**
 * An ioredis client. Errors are reported, never thrown at the event emitter
 * (an unhandled 'error' event would crash the process), and reconnection uses
 * capped exponential backoff so a Redis restart is survived.
 */
export function createRedisClient(settings: RedisClientSettings, extra: RedisOptions = {}): Redis {
  const blocking = settings.role === 'blocking';
  const client = new Redis(settings.url, {
    connectionName: settings.connectionName,
    lazyConnect: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: blocking ? null : 1,
    enableOfflineQueue: blocking,
    // Commands issued in one tick (concurrent requests' idempotency claims
    // and rate limits) leave in one write: the system calls behind the Redis
    // writes were 13% of the api's CPU (docs/adr/0007-api-gateway.md).
    enableAutoPipelining: !blocking,
    commandTimeout: blocking ? undefined : COMMAND_TIMEOUT_MS,
    connectTimeout: 5_000,
    // Capped at 500 ms: a Redis back after a restart is used again within half a second.
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 500),
    ...extra,
  });
  client.on('error', settings.onError);
  return client;
}

/** Closes a client, waiting for replies to commands already sent; falls back to disconnect if Redis is gone. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), 2_000).unref()),
    ]);
  } catch {
    client.disconnect();
  }
}
