import {
  callerTokenEnv,
  createRedisNamespace,
  createTestDatabase,
  describeServiceConventions,
  migrate,
  TcpProxy,
} from '@meridian/testing';

describeServiceConventions({
  app: 'settlement',
  required: ['ADMIN_TOKEN', 'DATABASE_URL', 'INBOUND_API_TOKEN', 'LEDGER_TOKEN', 'REDIS_URL'],
  invalidSecret: { name: 'LEDGER_TOKEN', value: 'Sh0rt-S3cret' },
  setup: async () => {
    const redis = createRedisNamespace('settlement');
    const database = await createTestDatabase('settlement');
    await migrate('settlement', database.url);
    const proxy = await TcpProxy.start(redis.host, redis.port);
    return {
      env: {
        DATABASE_URL: database.url,
        REDIS_URL: `redis://${proxy.host}:${proxy.port}`,
        REDIS_KEY_PREFIX: redis.prefix,
        LEDGER_TOKEN: 'settlement-test-token-0123456789abcdef0123',
        ...callerTokenEnv('settlement', { api: 'settlement-test-api-token-0123456789abcdef' }),
        ADMIN_TOKEN: 'settlement-test-admin-token-0123456789abcdef',
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
  publicPaths: ['/internal/batches'],
  traceContextTrusted: true,
});
