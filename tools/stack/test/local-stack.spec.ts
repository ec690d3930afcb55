import { loadRegistry, tokenEdges } from '@meridian/service-registry';
import { localStackSettings, serviceEnvironments, startOrderOf } from '../src/local-stack';

describe('the local stack from the services registry', () => {
  const registry = loadRegistry();

  it("runs every service of the registry on the registry's ports unless MERIDIAN_<NAME>_PORT says otherwise", () => {
    const settings = localStackSettings({
      MERIDIAN_LEDGER_PORT: '4001',
      MERIDIAN_API_MANAGEMENT_PORT: '4900',
    });
    const environments = serviceEnvironments(settings);
    expect(Object.keys(environments)).toEqual(registry.services.map((service) => service.name));
    for (const service of registry.services) {
      const env = environments[service.name]!;
      expect(env.PORT).toBe(String(service.name === 'ledger' ? 4001 : service.port));
      expect(env.MANAGEMENT_PORT).toBe(String(service.name === 'api' ? 4900 : service.managementPort));
    }
    expect(environments.settlement!.LEDGER_URL).toBe('http://127.0.0.1:4001');
  });

  it('gives both ends of each declared call the same fresh token, and each call its own', () => {
    const environments = serviceEnvironments(localStackSettings({}));
    const tokens = tokenEdges(registry).map((edge) => {
      const token = environments[edge.caller]![edge.tokenVariable];
      expect(token).toMatch(/^local-[0-9a-f]{48}$/);
      expect(environments[edge.callee]![edge.inboundVariable]).toBe(token);
      return token;
    });
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('gives each service a database of its own under the prefix, and one Redis with the key prefix', () => {
    const environments = serviceEnvironments(
      localStackSettings({
        MERIDIAN_POSTGRES_URL: 'postgres://admin@db.test:5432/postgres',
        MERIDIAN_DATABASE_PREFIX: 'mine',
        MERIDIAN_REDIS_URL: 'redis://cache.test:6379',
        MERIDIAN_REDIS_KEY_PREFIX: 'mine-local',
      }),
    );
    for (const service of registry.services) {
      const env = environments[service.name]!;
      if (service.database)
        expect(env.DATABASE_URL).toBe(`postgres://admin@db.test:5432/mine_${service.name}`);
      if (service.redis !== 'none')
        expect(env).toMatchObject({ REDIS_URL: 'redis://cache.test:6379', REDIS_KEY_PREFIX: 'mine-local' });
      expect(env).toMatchObject({
        DEPLOYMENT_ENVIRONMENT: 'local',
        HOST: '127.0.0.1',
        SHUTDOWN_DELAY_MS: '0',
      });
    }
  });

  it('starts callees before their callers', () => {
    expect(startOrderOf(localStackSettings({}))).toEqual(['ledger', 'settlement', 'api']);
  });
});
