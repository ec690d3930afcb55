import { randomBytes } from 'node:crypto';
import {
  callerTokenEnv,
  createTestDatabase,
  migrate,
  query,
  ServiceProcess,
  type TestDatabase,
  type TestRedisNamespace,
} from '@meridian/testing';

export interface BenchLedger {
  service: ServiceProcess;
  database: TestDatabase;
  /** The api's token for the ledger. */
  token: string;
  stop(): Promise<void>;
}

/**
 * A ledger on a throwaway database with `accounts` accounts (`acc-<n>`, EUR)
 * for one tenant. LEDGER_BATCH_* settings given to the bench pass through, to
 * compare them; so does LEDGER_NODE_OPTIONS (as NODE_OPTIONS, for a profile).
 */
export async function startBenchLedger(options: {
  redis: TestRedisNamespace;
  tenant: string;
  accounts: number;
}): Promise<BenchLedger> {
  const token = `bench-${randomBytes(16).toString('hex')}`;
  const database = await createTestDatabase('bench_ledger');
  await migrate('ledger', database.url);
  const service = await ServiceProcess.start('ledger', ledgerEnvironment(database, options.redis, token));
  await service.waitUntilReady(30_000);
  await createAccounts(service.url, token, options.tenant, options.accounts);
  return {
    service,
    database,
    token,
    stop: async () => {
      await service.stop();
      await database.drop();
    },
  };
}

/** A bench ledger's environment; `extra` adds to it (a replica's ordinal, say). */
function ledgerEnvironment(
  database: TestDatabase,
  redis: TestRedisNamespace,
  token: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: '16',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: redis.prefix,
    ...callerTokenEnv('ledger', { api: token, settlement: `${token}-settlement` }),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DELAY_MS: '0',
    ...(process.env.LEDGER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.LEDGER_NODE_OPTIONS } : {}),
    ...passThrough('LEDGER_BATCH_'),
    ...extra,
  };
}

/** `count` accounts `acc-<n>` (EUR) of one tenant, a thousand to a request. */
async function createAccounts(url: string, token: string, tenant: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1_000) {
    const accounts = Array.from({ length: Math.min(1_000, count - i) }, (_, j) => ({
      id: `acc-${i + j}`,
      currency: 'EUR',
      flags: { acceptsExternalCredits: true },
    }));
    const response = await fetch(`${url}/v1/tenants/${tenant}/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accounts }),
    });
    if (!response.ok) throw new Error(`creating accounts: ${response.status} ${await response.text()}`);
  }
}

export interface BenchLedgerCluster {
  /** The processes, by ordinal. */
  services: ServiceProcess[];
  databaseUrl: string;
  token: string;
  createAccounts(tenant: string, count: number): Promise<void>;
  /** Resolves once the outbox holds nothing unpublished. */
  waitPublished(): Promise<void>;
  stop(): Promise<void>;
}

/** `replicas` ledger processes on one throwaway database, with their ordinals, as the StatefulSet runs them. */
export async function startBenchLedgers(options: {
  redis: TestRedisNamespace;
  replicas: number;
  partitions: number;
}): Promise<BenchLedgerCluster> {
  const token = `bench-${randomBytes(16).toString('hex')}`;
  const database = await createTestDatabase('bench_ledgers');
  await migrate('ledger', database.url);
  const services: ServiceProcess[] = [];
  for (let ordinal = 0; ordinal < options.replicas; ordinal++) {
    const service = await ServiceProcess.start(
      'ledger',
      ledgerEnvironment(database, options.redis, token, {
        REPLICA_ORDINAL: String(ordinal),
        REPLICA_COUNT: String(options.replicas),
        LEDGER_PARTITIONS: String(options.partitions),
      }),
    );
    services.push(service);
    await service.waitUntilReady(30_000);
  }
  return {
    services,
    databaseUrl: database.url,
    token,
    createAccounts: (tenant, count) => createAccounts(services[0]!.url, token, tenant, count),
    waitPublished: async () => {
      for (;;) {
        const [row] = await query<{ n: number }>(
          database.url,
          'SELECT count(*)::int AS n FROM partition_outbox WHERE published_at IS NULL',
        );
        if (row!.n === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop: async () => {
      await Promise.all(services.map((service) => service.stop()));
      await database.drop();
    },
  };
}

const passThrough = (prefix: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[0].startsWith(prefix) && entry[1] !== undefined,
    ),
  );

/** A random transfer between two distinct accounts of `accounts`, with the given id. */
export function randomTransfer(id: string, accounts: number) {
  const debit = Math.floor(Math.random() * accounts);
  let credit = Math.floor(Math.random() * accounts);
  if (credit === debit) credit = (credit + 1) % accounts;
  return {
    id,
    debitAccountId: `acc-${debit}`,
    creditAccountId: `acc-${credit}`,
    amount: String(1 + (debit % 1000)),
    currency: 'EUR',
  };
}
