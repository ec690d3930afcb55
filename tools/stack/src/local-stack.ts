import { randomBytes } from 'node:crypto';
import {
  databaseNames,
  type EnvironmentValues,
  loadRegistry,
  type Registry,
  serviceEnvironment,
  startOrder,
  tokenEdges,
  variableName,
} from '@meridian/service-registry';
import { Client } from 'pg';

/**
 * The local stack's settings. Every value has a default that works on a
 * machine with PostgreSQL and Redis on localhost (trust auth), and every one
 * can be overridden from the environment. The services, their ports and who
 * calls whom come from the services registry.
 */
export interface LocalStackSettings {
  registry: Registry;
  /** A PostgreSQL role that may create databases; the stack creates its own. */
  postgresAdminUrl: string;
  /** Databases are named `<prefix>_<service>`. */
  databasePrefix: string;
  /** One Redis for the queues and the caches locally: the key prefix keeps the stack's apart. */
  redisUrl: string;
  redisKeyPrefix: string;
  /** PORT of each service (its own API), by name: MERIDIAN_<NAME>_PORT or the registry's. */
  ports: Record<string, number>;
  /** MANAGEMENT_PORT of each service (probes, /metrics, /admin): MERIDIAN_<NAME>_MANAGEMENT_PORT or the registry's. */
  managementPorts: Record<string, number>;
  /** A token per declared call, by its Secret key (e.g. api-ledger-token). */
  tokens: Record<string, string>;
  adminToken: string;
  logLevel: string;
  /**
   * Processes per service, by name: MERIDIAN_<NAME>_REPLICAS, else
   * MERIDIAN_REPLICAS, else 1. With more than one, a balancer on the
   * service's ports spreads connections over the ready ones.
   */
  replicas: Record<string, number>;
  /** How often the balancers poll each replica's readiness. */
  probeIntervalMs: number;
}

export function localStackSettings(
  env: NodeJS.ProcessEnv = process.env,
  registry = loadRegistry(),
): LocalStackSettings {
  const port = (name: string, which: 'PORT' | 'MANAGEMENT_PORT', fallback: number) =>
    Number(env[`MERIDIAN_${variableName(name)}_${which}`] ?? fallback);
  return {
    registry,
    postgresAdminUrl: env.MERIDIAN_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    databasePrefix: env.MERIDIAN_DATABASE_PREFIX ?? 'meridian',
    redisUrl: env.MERIDIAN_REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisKeyPrefix: env.MERIDIAN_REDIS_KEY_PREFIX ?? 'meridian-local',
    ports: Object.fromEntries(registry.services.map((s) => [s.name, port(s.name, 'PORT', s.port)])),
    managementPorts: Object.fromEntries(
      registry.services.map((s) => [s.name, port(s.name, 'MANAGEMENT_PORT', s.managementPort)]),
    ),
    // Local only: fresh random service tokens per run (the services are restarted together).
    tokens: Object.fromEntries(
      tokenEdges(registry).map((edge) => [edge.secretKey, `local-${randomBytes(24).toString('hex')}`]),
    ),
    adminToken: env.MERIDIAN_ADMIN_TOKEN ?? `local-admin-${randomBytes(24).toString('hex')}`,
    logLevel: env.LOG_LEVEL ?? 'info',
    replicas: Object.fromEntries(
      registry.services.map((s) => [
        s.name,
        positiveInteger(env[`MERIDIAN_${variableName(s.name)}_REPLICAS`] ?? env.MERIDIAN_REPLICAS ?? '1'),
      ]),
    ),
    probeIntervalMs: 200,
  };
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new Error(`replicas must be a positive integer, not ${value}`);
  return number;
}

/**
 * SHUTDOWN_DELAY_MS of a service: with one process nothing routes around it,
 * so it stops as soon as in-flight work is done; behind a balancer it keeps
 * serving until the balancer has seen it unready (a probe period and the
 * probe itself, with room for a loaded machine) and sends new connections
 * elsewhere.
 */
export const shutdownDelayMs = (settings: LocalStackSettings, service: string): number =>
  (settings.replicas[service] ?? 1) > 1 ? 5 * settings.probeIntervalMs : 0;

export function databaseUrl(settings: LocalStackSettings, service: string): string {
  const url = new URL(settings.postgresAdminUrl);
  url.pathname = `/${settings.databasePrefix}_${service}`;
  return url.toString();
}

/** Where the registry's declarations are on this machine. */
function localValues(settings: LocalStackSettings): EnvironmentValues {
  return {
    ports: ({ name }) => ({ port: settings.ports[name]!, managementPort: settings.managementPorts[name]! }),
    url: ({ name }) => `http://127.0.0.1:${settings.ports[name]}`,
    databaseUrl: ({ name }) => databaseUrl(settings, name),
    redisUrl: () => settings.redisUrl,
    redisKeyPrefix: settings.redisKeyPrefix,
    token: (edge) => settings.tokens[edge.secretKey]!,
    adminToken: settings.adminToken,
  };
}

/** The environment each service gets locally: the same variables as in every other environment. */
export function serviceEnvironments(settings: LocalStackSettings): Record<string, Record<string, string>> {
  const common = {
    LOG_LEVEL: settings.logLevel,
    DEPLOYMENT_ENVIRONMENT: 'local',
    HOST: '127.0.0.1',
    SHUTDOWN_TIMEOUT_MS: '10000',
  };
  const values = localValues(settings);
  return Object.fromEntries(
    settings.registry.services.map(({ name }) => [
      name,
      {
        ...common,
        SHUTDOWN_DELAY_MS: String(shutdownDelayMs(settings, name)),
        ...serviceEnvironment(settings.registry, name, values),
      },
    ]),
  );
}

/** Service names in start order: every callee before its callers. */
export const startOrderOf = (settings: LocalStackSettings): string[] =>
  startOrder(settings.registry).map((service) => service.name);

/** Services that own a database, and so get one created and migrated. */
export const databaseServicesOf = (settings: LocalStackSettings): string[] =>
  databaseNames(settings.registry);

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
    for (const service of databaseServicesOf(settings)) {
      const name = new URL(databaseUrl(settings, service)).pathname.slice(1);
      await client.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
