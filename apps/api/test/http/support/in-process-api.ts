import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ProblemDetailsFilter } from '@meridian/bootstrap';
import { loadConfig } from '@meridian/config';
import { ConfigModule } from '@meridian/config/nest';
import { LifecycleModule, ShutdownHooks, StartupTasks } from '@meridian/health';
import { RedisModule } from '@meridian/redis';
import { createLogger, ServiceMetrics, TelemetryModule } from '@meridian/telemetry';
import { type ApiConfig, configSchema } from '../../../src/config';
import {
  createRedisNamespace,
  createTestDatabase,
  migrate,
  type TestDatabase,
  type TestRedisNamespace,
} from '@meridian/testing';
import type { Scope } from '../../../src/domain/api-key';
import { TenantsService } from '../../../src/application/tenants.service';
import { PersistenceModule } from '../../../src/infrastructure/persistence/persistence.module';

/**
 * The api's own providers in a real, in-process Nest application on Fastify,
 * listening on a free port: real PostgreSQL (a throwaway database, migrated
 * by the api's own command) and real Redis (a throwaway key prefix), the
 * configuration parsed by the api's schema. Each suite brings a small
 * controller of its own and the providers it tests; nothing is mocked.
 */
export class InProcessApi {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly url: string,
    readonly config: ApiConfig,
    readonly database: TestDatabase,
    readonly redis: TestRedisNamespace,
  ) {}

  static async start(options: {
    label: string;
    controllers: Type<unknown>[];
    providers: Provider[];
    imports?: (Type<unknown> | DynamicModule)[];
    env?: Record<string, string>;
  }): Promise<InProcessApi> {
    const database = await createTestDatabase(options.label);
    const redis = createRedisNamespace(options.label);
    try {
      return await InProcessApi.create(options, database, redis);
    } catch (error) {
      await redis.clear();
      await database.drop();
      throw error;
    }
  }

  private static async create(
    options: Parameters<typeof InProcessApi.start>[0],
    database: TestDatabase,
    redis: TestRedisNamespace,
  ): Promise<InProcessApi> {
    await migrate('api', database.url);
    const config = loadConfig('api', configSchema, {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix,
      LEDGER_URL: 'http://127.0.0.1:9',
      LEDGER_TOKEN: 'in-process-ledger-token-0123456789abcdef0123',
      SETTLEMENT_TOKEN: 'in-process-settlement-token-0123456789abcdef',
      ADMIN_TOKEN: 'in-process-admin-token-0123456789abcdef012345',
      LOG_LEVEL: 'warn',
      ...options.env,
    });
    const logger = createLogger({ service: 'api', version: 'test', level: 'silent' });
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        LifecycleModule,
        TelemetryModule.forRoot({ logger, metrics: new ServiceMetrics({ service: 'api' }) }),
        RedisModule.forRoot(),
        PersistenceModule,
        ...(options.imports ?? []),
      ],
      controllers: options.controllers,
      providers: [TenantsService, ...options.providers],
    }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    app.useGlobalFilters(new ProblemDetailsFilter(logger));
    await app.listen({ port: 0, host: '127.0.0.1' });
    // The same boot work the service waits for: Redis connected, migrations applied.
    const started = await app.get(StartupTasks).runAll({
      shouldStop: () => false,
      onRetry: (task, attempt, error) => {
        if (attempt >= 5) throw new Error(`startup task ${task} keeps failing: ${String(error)}`);
      },
    });
    if (!started) throw new Error('startup tasks did not complete');
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new InProcessApi(app, `http://127.0.0.1:${port}`, config, database, redis);
  }

  /** A tenant and an API key of it with these scopes; returns the key's id and token. */
  async tenantKey(tenantId: string, scopes: Scope[]): Promise<{ keyId: string; token: string }> {
    const tenants = this.app.get(TenantsService);
    await tenants.createTenant(tenantId, `Tenant ${tenantId}`);
    const key = await tenants.createKey(tenantId, 'test', scopes);
    return { keyId: key.id, token: key.token };
  }

  async revoke(keyId: string): Promise<void> {
    await this.app.get(TenantsService).revokeKey(keyId);
  }

  /** A request to the application; the body is sent as JSON. */
  async request(
    method: string,
    path: string,
    options: { token?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<{ status: number; headers: Headers; body: any }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  async stop(): Promise<void> {
    // The tests are over: connections the client keeps alive (or left hanging) need not be waited for.
    this.app.getHttpServer().closeAllConnections();
    await this.app.close();
    // What the shutdown sequence closes after the server: Redis, the database pool.
    await this.app.get(ShutdownHooks).close(() => undefined);
    await this.redis.clear();
    await this.database.drop();
  }
}

/** A promise and the function that settles it: lets a test hold a handler until it says so. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
