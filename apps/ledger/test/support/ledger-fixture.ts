import {
  callerTokenEnv,
  createRedisNamespace,
  createTestDatabase,
  migrate,
  query,
  ServiceProcess,
  type TestDatabase,
  type TestRedisNamespace,
} from '@meridian/testing';

/** The token of the api, as the ledger knows it (INBOUND_API_TOKEN). */
export const SERVICE_TOKEN = 'ledger-e2e-api-token-0123456789abcdef0123';
/** The token of the settlement service (INBOUND_SETTLEMENT_TOKEN). */
export const SETTLEMENT_TOKEN = 'ledger-e2e-settlement-token-0123456789abcd';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small client of the ledger's internal API, as api and settlement use it. */
export class LedgerClient {
  constructor(
    public baseUrl: string,
    private readonly token = SERVICE_TOKEN,
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as T) : (undefined as T),
      headers: response.headers,
    };
  }

  createAccounts(tenant: string, accounts: object[]) {
    return this.request('POST', `/v1/tenants/${tenant}/accounts`, { accounts });
  }

  transfers(tenant: string, transfers: object[]) {
    return this.request('POST', `/v1/tenants/${tenant}/transfers`, { transfers });
  }

  /** One transfer; resolves to its result code. */
  async transfer(tenant: string, transfer: object): Promise<string> {
    const reply = await this.transfers(tenant, [transfer]);
    if (reply.status !== 200)
      throw new Error(`transfer failed with ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body.results[0].result as string;
  }

  account(tenant: string, id: string) {
    return this.request('GET', `/v1/tenants/${tenant}/accounts/${id}`);
  }

  accounts(tenant: string, limit = 1000) {
    return this.request('GET', `/v1/tenants/${tenant}/accounts?limit=${limit}`);
  }
}

/** A real ledger process on its own throwaway database and Redis prefix. */
export class LedgerFixture {
  service!: ServiceProcess;
  /** Calls as the api does. */
  readonly client = new LedgerClient('');
  /** Calls as the settlement service does (platform accounts, settlement transfers). */
  readonly settlementClient = new LedgerClient('', SETTLEMENT_TOKEN);

  private constructor(
    readonly database: TestDatabase,
    readonly redis: TestRedisNamespace,
    private readonly extraEnv: Record<string, string>,
  ) {}

  static async start(label: string, extraEnv: Record<string, string> = {}): Promise<LedgerFixture> {
    const database = await createTestDatabase(label);
    await migrate('ledger', database.url);
    const fixture = new LedgerFixture(database, createRedisNamespace(label), extraEnv);
    await fixture.startService();
    return fixture;
  }

  get env(): Record<string, string> {
    return {
      DATABASE_URL: this.database.url,
      REDIS_URL: this.redis.url,
      REDIS_KEY_PREFIX: this.redis.prefix,
      ...callerTokenEnv('ledger', { api: SERVICE_TOKEN, settlement: SETTLEMENT_TOKEN }),
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
      ...this.extraEnv,
    };
  }

  async startService(): Promise<void> {
    this.service = await ServiceProcess.start('ledger', this.env);
    await this.service.waitUntilReady(120_000);
    this.client.baseUrl = this.service.url;
    this.settlementClient.baseUrl = this.service.url;
  }

  /** SIGKILL: no shutdown sequence, no flush; whatever was not committed is gone. */
  async crash(): Promise<void> {
    this.service.signal('SIGKILL');
    await this.service.exited;
  }

  sql<R extends object = Record<string, any>>(text: string, params: unknown[] = []) {
    return query<R>(this.database.url, text, params);
  }

  async stop(): Promise<void> {
    await this.service?.stop(5_000);
    await this.database.drop();
    await this.redis.clear();
  }
}

/** Runs `workers` copies of `work` at once and waits for all of them. */
export async function concurrently<T>(workers: number, work: (worker: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: workers }, (_, i) => work(i)));
}
