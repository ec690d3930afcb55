import { randomBytes } from 'node:crypto';
import {
  callerTokenEnv,
  createTestDatabase,
  migrate,
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
  const service = await ServiceProcess.start('ledger', {
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: '16',
    REDIS_URL: options.redis.url,
    REDIS_KEY_PREFIX: options.redis.prefix,
    ...callerTokenEnv('ledger', { api: token, settlement: `${token}-settlement` }),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DELAY_MS: '0',
    ...(process.env.LEDGER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.LEDGER_NODE_OPTIONS } : {}),
    ...passThrough('LEDGER_BATCH_'),
  });
  await service.waitUntilReady(30_000);
  for (let i = 0; i < options.accounts; i += 1_000) {
    const accounts = Array.from({ length: Math.min(1_000, options.accounts - i) }, (_, j) => ({
      id: `acc-${i + j}`,
      currency: 'EUR',
      flags: { acceptsExternalCredits: true },
    }));
    const response = await fetch(`${service.url}/v1/tenants/${options.tenant}/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accounts }),
    });
    if (!response.ok) throw new Error(`creating accounts: ${response.status} ${await response.text()}`);
  }
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
