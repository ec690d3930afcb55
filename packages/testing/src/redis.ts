import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedisNamespace {
  url: string;
  host: string;
  port: number;
  /** Give this to the service as REDIS_KEY_PREFIX; every key it makes starts with it. */
  prefix: string;
  /** Deletes every key under the prefix. */
  clear(): Promise<void>;
}

/** A key prefix of its own for one test run, on the shared Redis. */
export function createRedisNamespace(label: string): TestRedisNamespace {
  const prefix = `meridian-test:${label}:${randomBytes(5).toString('hex')}`;
  const url = new URL(TEST_REDIS_URL);
  return {
    url: TEST_REDIS_URL,
    host: url.hostname,
    port: Number(url.port || 6379),
    prefix,
    clear: async () => {
      const client = new Redis(TEST_REDIS_URL, { lazyConnect: true });
      await client.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await client.del(...keys);
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
    },
  };
}
