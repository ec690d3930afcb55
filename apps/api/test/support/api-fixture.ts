import { randomUUID } from 'node:crypto';
import { type components, createMeridianClient, type MeridianClient } from '@meridian/sdk';
import {
  callerTokenEnv,
  createRedisNamespace,
  query,
  type RunningServiceWithDatabase,
  ServiceProcess,
  startWithDatabase,
  TcpProxy,
  type TestRedisNamespace,
} from '@meridian/testing';
import { checkedFetch } from './contract';

type CreateAccount = components['schemas']['CreateAccountRequest'];

/** api -> ledger, settlement -> ledger and api -> settlement: a token each. */
export const LEDGER_TOKEN = 'api-e2e-ledger-token-0123456789abcdef0123';
export const SETTLEMENT_LEDGER_TOKEN = 'api-e2e-settlement-ledger-token-0123456789';
export const SETTLEMENT_TOKEN = 'api-e2e-settlement-token-0123456789abcdef01';
export const ADMIN_TOKEN = 'api-e2e-admin-token-0123456789abcdef012345';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * A real ledger (own database), a TCP proxy in front of it for fault
 * injection, and real api processes (own database) behind it, on one Redis
 * prefix. Tests start api processes with the settings they need.
 */
export class ApiStack {
  api!: RunningServiceWithDatabase;
  settlement?: RunningServiceWithDatabase;

  private constructor(
    readonly ledger: RunningServiceWithDatabase,
    readonly ledgerProxy: TcpProxy,
    readonly redis: TestRedisNamespace,
  ) {}

  static async start(
    label: string,
    apiEnv: Record<string, string> = {},
    options: { settlement?: boolean; ledgerEnv?: Record<string, string> } = {},
  ): Promise<ApiStack> {
    const redis = createRedisNamespace(label);
    const ledger = await startWithDatabase('ledger', `${label}_ledger`, {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      ...callerTokenEnv('ledger', { api: LEDGER_TOKEN, settlement: SETTLEMENT_LEDGER_TOKEN }),
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
      ...options.ledgerEnv,
    });
    const proxy = await TcpProxy.start('127.0.0.1', ledger.service.port);
    const stack = new ApiStack(ledger, proxy, redis);
    if (options.settlement) {
      stack.settlement = await startWithDatabase('settlement', `${label}_settlement`, {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.prefix,
        LEDGER_URL: ledger.service.url,
        LEDGER_TOKEN: SETTLEMENT_LEDGER_TOKEN,
        ...callerTokenEnv('settlement', { api: SETTLEMENT_TOKEN }),
        ADMIN_TOKEN,
        SETTLEMENT_CUTOFF_CRON: '0 0 0 1 1 *',
        SHUTDOWN_DELAY_MS: '0',
        LOG_LEVEL: 'warn',
      });
    }
    stack.api = await startWithDatabase('api', `${label}_api`, stack.apiEnv(apiEnv));
    return stack;
  }

  apiEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      REDIS_URL: this.redis.url,
      REDIS_KEY_PREFIX: this.redis.prefix,
      LEDGER_URL: `http://127.0.0.1:${this.ledgerProxy.port}`,
      LEDGER_TOKEN,
      SETTLEMENT_TOKEN,
      ADMIN_TOKEN,
      SHUTDOWN_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_REQUESTS: '100000',
      ...(this.settlement ? { SETTLEMENT_URL: this.settlement.service.url } : {}),
      ...extra,
    };
  }

  /** Another api process on the same database and Redis, with other settings. */
  async startApi(extra: Record<string, string>): Promise<ServiceProcess> {
    const service = await ServiceProcess.start('api', {
      DATABASE_URL: this.api.database.url,
      ...this.apiEnv(extra),
    });
    await service.waitUntilReady(120_000);
    return service;
  }

  get url(): string {
    return this.api.service.url;
  }

  /** Where the operator's /admin API answers (the management listener). */
  get adminUrl(): string {
    return this.api.service.managementUrl;
  }

  /** Creates a tenant and an API key with the given scopes; returns a client bound to the key. */
  async tenant(id: string, scopes = ['read', 'write']): Promise<TenantClient> {
    await request(
      this.adminUrl,
      'POST',
      '/admin/tenants',
      { id, name: `Tenant ${id}` },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    const key = await request(
      this.adminUrl,
      'POST',
      `/admin/tenants/${id}/keys`,
      { name: 'test', scopes },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    if (key.status !== 201) throw new Error(`creating a key failed: ${JSON.stringify(key.body)}`);
    return new TenantClient(this.url, id, key.body.token as string, key.body.id as string);
  }

  /** Transfers the ledger holds for a tenant (straight from its database). */
  async ledgerTransfers(tenantId: string): Promise<{ id: string; amount: string }[]> {
    return query(
      this.ledger.database.url,
      `SELECT id, amount::text FROM transfers WHERE tenant_id = $1 ORDER BY seq`,
      [tenantId],
    );
  }

  async stop(): Promise<void> {
    await this.api?.stop();
    await this.settlement?.stop();
    await this.ledgerProxy.stop();
    await this.ledger.stop();
    await this.redis.clear();
  }
}

/**
 * One HTTP request, its answer read whole. An answer of an operation of the
 * api is checked against the OpenAPI document (support/contract.ts): one the
 * document does not describe throws.
 */
export async function request<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const response = await checkedFetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return {
    status: response.status,
    headers: response.headers,
    body: parsed as T,
  };
}

/** A customer of the api: one tenant, one API key. */
export class TenantClient {
  /** The typed client (@meridian/sdk) with this key, its answers checked against the document too. */
  readonly sdk: MeridianClient;

  constructor(
    public baseUrl: string,
    readonly tenantId: string,
    readonly token: string,
    readonly keyId: string,
  ) {
    this.sdk = createMeridianClient({ baseUrl, apiKey: token, fetch: checkedFetch });
  }

  withBase(baseUrl: string): TenantClient {
    return new TenantClient(baseUrl, this.tenantId, this.token, this.keyId);
  }

  get(path: string) {
    return request(this.baseUrl, 'GET', path, undefined, { authorization: `Bearer ${this.token}` });
  }

  /** A POST with an Idempotency-Key (a fresh one unless given; `null` sends none). */
  post(
    path: string,
    body: unknown,
    idempotencyKey: string | null = randomUUID(),
    headers: Record<string, string> = {},
  ) {
    return request(this.baseUrl, 'POST', path, body, {
      authorization: `Bearer ${this.token}`,
      ...(idempotencyKey === null ? {} : { 'idempotency-key': idempotencyKey }),
      ...headers,
    });
  }

  /** Opens an EUR account (or finds it as it is). */
  async account(id: string, extra: Omit<CreateAccount, 'id' | 'currency'> = {}) {
    const { data, error } = await this.sdk.POST('/v1/accounts', { body: { id, currency: 'EUR', ...extra } });
    if (error) throw new Error(`account ${id}: ${JSON.stringify(error)}`);
    return data;
  }

  /** Credits an account from the tenant's `funding` account. */
  async fund(accountId: string, amount: string) {
    await this.account('funding');
    const { response, error } = await this.sdk.POST('/v1/transfers', {
      body: { debitAccountId: 'funding', creditAccountId: accountId, amount, currency: 'EUR' },
    });
    // 200: an earlier attempt of this call (the SDK retries a 503 with the same key) made the transfer.
    if (error || (response.status !== 201 && response.status !== 200))
      throw new Error(`funding ${accountId}: ${response.status} ${JSON.stringify(error)}`);
  }
}
