import {
  callerTokenEnv,
  createRedisNamespace,
  type RunningServiceWithDatabase,
  startWithDatabase,
  type TestRedisNamespace,
} from '@meridian/testing';

const LEDGER_TOKEN = 'loadtest-e2e-ledger-token-0123456789abcdef';
const ADMIN_TOKEN = 'loadtest-e2e-admin-token-0123456789abcdef01';

/**
 * The system under load: a real ledger and api, each on a throwaway database,
 * on one Redis prefix, the api's admin API on its management port. What the
 * load tool sees is what staging would show it.
 */
export class MeridianStack {
  private constructor(
    readonly ledger: RunningServiceWithDatabase,
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
      ...callerTokenEnv('ledger', { api: LEDGER_TOKEN }),
    });
    const api = await startWithDatabase('api', `${label}_api`, {
      ...common,
      LEDGER_URL: ledger.service.url,
      LEDGER_TOKEN,
      // No settlement service here: the api's settlement endpoints are not under load.
      SETTLEMENT_TOKEN: 'loadtest-e2e-settlement-token-0123456789ab',
      ADMIN_TOKEN,
      RATE_LIMIT_REQUESTS: '100000',
    });
    return new MeridianStack(ledger, api, redis);
  }

  get url(): string {
    return this.api.service.url;
  }

  get adminUrl(): string {
    return this.api.service.managementUrl;
  }

  /** The environment the CLI takes its credentials from. */
  get credentials(): Record<string, string> {
    return { LOADTEST_ADMIN_TOKEN: ADMIN_TOKEN, LOADTEST_ADMIN_URL: this.adminUrl };
  }

  readonly adminToken = ADMIN_TOKEN;

  async stop(): Promise<void> {
    await this.api?.stop();
    await this.ledger?.stop();
    await this.redis?.clear();
  }
}
