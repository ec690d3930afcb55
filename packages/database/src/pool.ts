import { Pool, type PoolConfig } from 'pg';

export interface PoolSettings {
  connectionString: string;
  max: number;
  applicationName: string;
  /** Called when an idle pooled connection fails (e.g. the server restarts); the pool replaces it. */
  onIdleError: (error: Error) => void;
}

/**
 * A pg pool for Prisma's driver adapter. An idle connection that breaks emits
 * 'error' on the pool; without a listener that would crash the process, so
 * the failure is reported and the pool simply opens a new connection later.
 */
export function createPool(settings: PoolSettings, extra: PoolConfig = {}): Pool {
  const pool = new Pool({
    connectionString: settings.connectionString,
    max: settings.max,
    application_name: settings.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    ...extra,
  });
  pool.on('error', settings.onIdleError);
  return pool;
}
