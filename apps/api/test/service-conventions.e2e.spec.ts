import { createRedisNamespace, describeServiceConventions, TcpProxy } from '@meridian/testing';

describeServiceConventions({
  app: 'api',
  required: ['LEDGER_SERVICE_TOKEN', 'REDIS_URL'],
  invalidSecret: { name: 'LEDGER_SERVICE_TOKEN', value: 'Sh0rt-S3cret' },
  setup: async () => {
    const redis = createRedisNamespace('api');
    const proxy = await TcpProxy.start(redis.host, redis.port);
    return {
      env: {
        REDIS_URL: `redis://${proxy.host}:${proxy.port}`,
        REDIS_KEY_PREFIX: redis.prefix,
        LEDGER_SERVICE_TOKEN: 'api-test-token-0123456789abcdef0123456',
      },
      dependency: proxy,
      dependencyName: 'redis',
      teardown: async () => {
        await proxy.stop();
        await redis.clear();
      },
    };
  },
});
