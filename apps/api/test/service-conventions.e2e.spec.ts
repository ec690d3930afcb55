import {
  createRedisNamespace,
  createTestDatabase,
  describeServiceConventions,
  migrate,
  TcpProxy,
} from '@meridian/testing';

describeServiceConventions({
  app: 'api',
  required: ['ADMIN_TOKEN', 'DATABASE_URL', 'LEDGER_TOKEN', 'REDIS_URL', 'SETTLEMENT_TOKEN'],
  invalidSecret: { name: 'LEDGER_TOKEN', value: 'Sh0rt-S3cret' },
  setup: async () => {
    const redis = createRedisNamespace('api');
    const database = await createTestDatabase('api');
    await migrate('api', database.url);
    const proxy = await TcpProxy.start(redis.host, redis.port);
    return {
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: `redis://${proxy.host}:${proxy.port}`,
        REDIS_KEY_PREFIX: redis.prefix,
        LEDGER_TOKEN: 'api-test-token-0123456789abcdef0123456',
        SETTLEMENT_TOKEN: 'api-test-settlement-token-0123456789abcdef',
        ADMIN_TOKEN: 'api-admin-token-0123456789abcdef012345678',
      },
      dependency: proxy,
      dependencyName: 'redis',
      teardown: async () => {
        await proxy.stop();
        await database.drop();
        await redis.clear();
      },
    };
  },
  publicPaths: ['/v1/accounts', '/docs', '/docs/openapi.json'],
  operatorPaths: ['/admin/tenants/acme/keys'],
  traceContextTrusted: false,
});
