import {
  callerTokenEnv,
  createRedisNamespace,
  type RunningServiceWithDatabase,
  startWithDatabase,
  type TestRedisNamespace,
} from '@meridian/testing';

const LEDGER_TOKEN = 'loadtest-e2e-ledger-token-0123456789abcdef';
const SETTLEMENT_LEDGER_TOKEN = 'loadtest-e2e-settlement-ledger-token-01234';
const SETTLEMENT_TOKEN = 'loadtest-e2e-settlement-token-0123456789ab';
const ADMIN_TOKEN = 'loadtest-e2e-admin-token-0123456789abcdef01';

/**
 * The system under load: a real ledger, settlement worker and api, each on a
 * throwaway database, on one Redis prefix; the api's admin API on its
 * management port. What the load tool sees is what staging would show it.
 */
export class MeridianStack {
  readonly adminToken = ADMIN_TOKEN;

  private constructor(
    readonly ledger: RunningServiceWithDatabase,
    readonly settlement: RunningServiceWithDatabase,
    readonly api: RunningServiceWithDatabase,
    readonly redis: TestRedisNamespace,
  ) {}

  static async start(label: string): Promise<MeridianStack> {
    const redis = createRedisNamespace(label);
    const common = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
    };
    const ledger = await startWithDatabase('ledger', `${label}_ledger`, {
      ...common,
      ...callerTokenEnv('ledger', { api: LEDGER_TOKEN, settlement: SETTLEMENT_LEDGER_TOKEN }),
    });
    const settlement = await startWithDatabase('settlement', `${label}_settlement`, {
      ...common,
      LEDGER_URL: ledger.service.url,
      LEDGER_TOKEN: SETTLEMENT_LEDGER_TOKEN,
      ...callerTokenEnv('settlement', { api: SETTLEMENT_TOKEN }),
      ADMIN_TOKEN,
      // Cut-offs only when the audit asks for them.
      SETTLEMENT_CUTOFF_CRON: '0 0 0 1 1 *',
    });
    const api = await startWithDatabase('api', `${label}_api`, {
      ...common,
      LEDGER_URL: ledger.service.url,
      LEDGER_TOKEN,
      SETTLEMENT_URL: settlement.service.url,
      SETTLEMENT_TOKEN,
      ADMIN_TOKEN,
      RATE_LIMIT_REQUESTS: '100000',
    });
    return new MeridianStack(ledger, settlement, api, redis);
  }

  get url(): string {
    return this.api.service.url;
  }

  /** The environment the CLI takes its credentials from: the admin API, and the settlement internal API. */
  get credentials(): Record<string, string> {
    return { LOADTEST_ADMIN_TOKEN: ADMIN_TOKEN, LOADTEST_ADMIN_URL: this.api.service.managementUrl };
  }

  get settlementCredentials(): Record<string, string> {
    return {
      LOADTEST_SETTLEMENT_URL: this.settlement.service.url,
      LOADTEST_SETTLEMENT_TOKEN: SETTLEMENT_TOKEN,
    };
  }

  async stop(): Promise<void> {
    await this.api?.stop();
    await this.settlement?.stop();
    await this.ledger?.stop();
    await this.redis?.clear();
  }
}
