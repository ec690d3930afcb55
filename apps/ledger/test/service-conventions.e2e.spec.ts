import {
  callerTokenEnv,
  createRedisNamespace,
  createTestDatabase,
  describeServiceConventions,
  migrate,
  TcpProxy,
} from '@meridian/testing';

const SERVICE_TOKEN = 'ledger-test-token-0123456789abcdef0123';

describeServiceConventions({
  app: 'ledger',
  required: ['DATABASE_URL', 'INBOUND_API_TOKEN', 'INBOUND_SETTLEMENT_TOKEN', 'REDIS_URL'],
  invalidSecret: { name: 'DATABASE_URL', value: 'mysql://ledger:Pr1vate-Passw0rd@db.internal/ledger' },
  setup: async () => {
    const database = await createTestDatabase('ledger');
    const redis = createRedisNamespace('ledger');
    await migrate('ledger', database.url);
    const proxy = await TcpProxy.start(database.host, database.port);
    const url = new URL(database.url);
    url.host = `${proxy.host}:${proxy.port}`;
    return {
      env: {
        DATABASE_URL: url.toString(),
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redis.prefix,
        ...callerTokenEnv('ledger', { api: SERVICE_TOKEN, settlement: `${SERVICE_TOKEN}-settlement` }),
      },
      dependency: proxy,
      dependencyName: 'postgres',
      teardown: async () => {
        await proxy.stop();
        await database.drop();
        await redis.clear();
      },
    };
  },
  publicPaths: ['/v1/tenants/acme/accounts'],
  traceContextTrusted: true,
});
