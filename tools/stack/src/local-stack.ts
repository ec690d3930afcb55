import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The local stack's settings. Every value has a default that works on a
 * machine with PostgreSQL and Redis on localhost (trust auth), and every one
 * can be overridden from the environment.
 */
export interface LocalStackSettings {
  /** A PostgreSQL role that may create databases; the stack creates its own. */
  postgresAdminUrl: string;
  /** Databases are named `<prefix>_<service>`. */
  databasePrefix: string;
  redisUrl: string;
  redisKeyPrefix: string;
  /** PORT of each service: its own API. */
  ports: ServicePorts;
  /** MANAGEMENT_PORT of each service: probes, /metrics, the api's /admin. */
  managementPorts: ServicePorts;
  /** A token per caller and callee (api to ledger, settlement to ledger, api to settlement). */
  tokens: { apiToLedger: string; settlementToLedger: string; apiToSettlement: string };
  adminToken: string;
  logLevel: string;
}

export interface ServicePorts {
  api: number;
  ledger: number;
  settlement: number;
}

export function localStackSettings(env: NodeJS.ProcessEnv = process.env): LocalStackSettings {
  return {
    postgresAdminUrl: env.MERIDIAN_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    databasePrefix: env.MERIDIAN_DATABASE_PREFIX ?? 'meridian',
    redisUrl: env.MERIDIAN_REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisKeyPrefix: env.MERIDIAN_REDIS_KEY_PREFIX ?? 'meridian-local',
    ports: {
      api: Number(env.MERIDIAN_API_PORT ?? 3000),
      ledger: Number(env.MERIDIAN_LEDGER_PORT ?? 3001),
      settlement: Number(env.MERIDIAN_SETTLEMENT_PORT ?? 3002),
    },
    managementPorts: {
      api: Number(env.MERIDIAN_API_MANAGEMENT_PORT ?? 9000),
      ledger: Number(env.MERIDIAN_LEDGER_MANAGEMENT_PORT ?? 9001),
      settlement: Number(env.MERIDIAN_SETTLEMENT_MANAGEMENT_PORT ?? 9002),
    },
    // Local only: fresh random service tokens per run (the services are restarted together).
    tokens: {
      apiToLedger: `local-${randomBytes(24).toString('hex')}`,
      settlementToLedger: `local-${randomBytes(24).toString('hex')}`,
      apiToSettlement: `local-${randomBytes(24).toString('hex')}`,
    },
    adminToken: env.MERIDIAN_ADMIN_TOKEN ?? `local-admin-${randomBytes(24).toString('hex')}`,
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}

export function databaseUrl(settings: LocalStackSettings, service: string): string {
  const url = new URL(settings.postgresAdminUrl);
  url.pathname = `/${settings.databasePrefix}_${service}`;
  return url.toString();
}

/** The environment each service gets locally: the same variables as in every other environment. */
export function serviceEnvironments(settings: LocalStackSettings): Record<string, Record<string, string>> {
  const common = {
    LOG_LEVEL: settings.logLevel,
    DEPLOYMENT_ENVIRONMENT: 'local',
    HOST: '127.0.0.1',
    // No load balancer to wait for locally: stop as soon as in-flight work is done.
    SHUTDOWN_DELAY_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '10000',
  };
  const ledgerUrl = `http://127.0.0.1:${settings.ports.ledger}`;
  return {
    ledger: {
      ...common,
      PORT: String(settings.ports.ledger),
      MANAGEMENT_PORT: String(settings.managementPorts.ledger),
      DATABASE_URL: databaseUrl(settings, 'ledger'),
      REDIS_URL: settings.redisUrl,
      REDIS_KEY_PREFIX: settings.redisKeyPrefix,
      INBOUND_API_TOKEN: settings.tokens.apiToLedger,
      INBOUND_SETTLEMENT_TOKEN: settings.tokens.settlementToLedger,
    },
    api: {
      ...common,
      PORT: String(settings.ports.api),
      MANAGEMENT_PORT: String(settings.managementPorts.api),
      DATABASE_URL: databaseUrl(settings, 'api'),
      ADMIN_TOKEN: settings.adminToken,
      REDIS_URL: settings.redisUrl,
      REDIS_KEY_PREFIX: settings.redisKeyPrefix,
      LEDGER_URL: ledgerUrl,
      LEDGER_TOKEN: settings.tokens.apiToLedger,
      SETTLEMENT_URL: `http://127.0.0.1:${settings.ports.settlement}`,
      SETTLEMENT_TOKEN: settings.tokens.apiToSettlement,
    },
    settlement: {
      ...common,
      PORT: String(settings.ports.settlement),
      MANAGEMENT_PORT: String(settings.managementPorts.settlement),
      DATABASE_URL: databaseUrl(settings, 'settlement'),
      REDIS_URL: settings.redisUrl,
      REDIS_KEY_PREFIX: settings.redisKeyPrefix,
      LEDGER_URL: ledgerUrl,
      LEDGER_TOKEN: settings.tokens.settlementToLedger,
      INBOUND_API_TOKEN: settings.tokens.apiToSettlement,
      ADMIN_TOKEN: settings.adminToken,
    },
  };
}

/** Services in start order: the ledger first, since the others call it. */
export const START_ORDER = ['ledger', 'api', 'settlement'] as const;

/** Services that own a database, and so get one created and migrated. */
export const DATABASE_SERVICES = ['ledger', 'api', 'settlement'] as const;

/** Creates the service's database if it does not exist; true when it was created. */
export async function ensureDatabase(settings: LocalStackSettings, service: string): Promise<boolean> {
  const name = new URL(databaseUrl(settings, service)).pathname.slice(1);
  const client = new Client({ connectionString: settings.postgresAdminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount !== 0) return false;
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}

/** Drops the stack's databases (for throwaway stacks: tests and measurements). */
export async function dropDatabases(settings: LocalStackSettings): Promise<void> {
  const client = new Client({ connectionString: settings.postgresAdminUrl });
  await client.connect();
  try {
    for (const service of DATABASE_SERVICES) {
      const name = new URL(databaseUrl(settings, service)).pathname.slice(1);
      await client.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
