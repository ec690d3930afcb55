import {
  callersOf,
  databaseNames,
  type EnvironmentValues,
  loadRegistry,
  managementPorts,
  parseRegistry,
  replicaEnvironment,
  secretVariables,
  serviceEnvironment,
  startOrder,
  tokenEdges,
  variableName,
} from '../src';

const registry = loadRegistry();

/** Values that show where each one came from. */
const values: EnvironmentValues = {
  ports: (service) => ({ port: service.port + 10, managementPort: service.managementPort + 10 }),
  url: (service) => `http://${service.name}.test:${service.port}`,
  databaseUrl: (service) => `postgres://db.test/${service.name}`,
  redisUrl: (service, use) => `redis://${use}.test/${service.name}`,
  redisKeyPrefix: 'prefix',
  token: (edge) => `token-${edge.secretKey}`,
  adminToken: 'admin',
};

describe('facts derived from the registry', () => {
  it('starts callees before their callers: ledger, then settlement, then the api that calls both', () => {
    expect(startOrder(registry).map((service) => service.name)).toEqual(['ledger', 'settlement', 'api']);
  });

  it('keeps the order of the file between services that do not depend on each other', () => {
    const independent = parseRegistry({
      services: {
        b: { kind: 'Deployment', port: 1, managementPort: 2, calls: ['c'] },
        a: { kind: 'Deployment', port: 3, managementPort: 4, calls: [] },
        c: { kind: 'Deployment', port: 5, managementPort: 6, calls: [] },
      },
    });
    expect(startOrder(independent).map((service) => service.name)).toEqual(['a', 'c', 'b']);
  });

  it('gives each declared call its variables and Secret key, named after both ends', () => {
    expect(tokenEdges(registry)).toEqual([
      {
        caller: 'api',
        callee: 'ledger',
        urlVariable: 'LEDGER_URL',
        tokenVariable: 'LEDGER_TOKEN',
        inboundVariable: 'INBOUND_API_TOKEN',
        secretKey: 'api-ledger-token',
      },
      {
        caller: 'api',
        callee: 'settlement',
        urlVariable: 'SETTLEMENT_URL',
        tokenVariable: 'SETTLEMENT_TOKEN',
        inboundVariable: 'INBOUND_API_TOKEN',
        secretKey: 'api-settlement-token',
      },
      {
        caller: 'settlement',
        callee: 'ledger',
        urlVariable: 'LEDGER_URL',
        tokenVariable: 'LEDGER_TOKEN',
        inboundVariable: 'INBOUND_SETTLEMENT_TOKEN',
        secretKey: 'settlement-ledger-token',
      },
    ]);
  });

  it('writes a name with - as _ inside variable names', () => {
    expect(variableName('fx-rates')).toBe('FX_RATES');
    const withDash = parseRegistry({
      services: {
        'fx-rates': { kind: 'Deployment', port: 1, managementPort: 2, calls: [] },
        'card-issuing': { kind: 'Deployment', port: 3, managementPort: 4, calls: ['fx-rates'] },
      },
    });
    expect(tokenEdges(withDash)[0]).toMatchObject({
      urlVariable: 'FX_RATES_URL',
      inboundVariable: 'INBOUND_CARD_ISSUING_TOKEN',
      secretKey: 'card-issuing-fx-rates-token',
    });
  });

  it('lists callers, databases and management ports', () => {
    expect(callersOf(registry, 'ledger').map((service) => service.name)).toEqual(['api', 'settlement']);
    expect(callersOf(registry, 'api')).toEqual([]);
    expect(databaseNames(registry)).toEqual(['ledger', 'api', 'settlement']);
    expect(managementPorts(registry)).toEqual({ ledger: 9001, api: 9000, settlement: 9002 });
  });

  it("names the Secret key of each of a service's secret variables", () => {
    expect(secretVariables(registry, 'api')).toEqual([
      { variable: 'DATABASE_URL', secretKey: 'api-database-url' },
      { variable: 'REDIS_URL', secretKey: 'api-redis-url' },
      { variable: 'ADMIN_TOKEN', secretKey: 'admin-token' },
      { variable: 'LEDGER_TOKEN', secretKey: 'api-ledger-token' },
      { variable: 'SETTLEMENT_TOKEN', secretKey: 'api-settlement-token' },
    ]);
    expect(secretVariables(registry, 'ledger')).toEqual([
      { variable: 'DATABASE_URL', secretKey: 'ledger-database-url' },
      { variable: 'REDIS_URL', secretKey: 'redis-url' },
      { variable: 'INBOUND_API_TOKEN', secretKey: 'api-ledger-token' },
      { variable: 'INBOUND_SETTLEMENT_TOKEN', secretKey: 'settlement-ledger-token' },
    ]);
  });

  it("gives a service its ports, datastores, admin token, callees' URLs and tokens and callers' tokens", () => {
    expect(serviceEnvironment(registry, 'settlement', values)).toEqual({
      PORT: '3012',
      MANAGEMENT_PORT: '9012',
      DATABASE_URL: 'postgres://db.test/settlement',
      REDIS_URL: 'redis://queues.test/settlement',
      REDIS_KEY_PREFIX: 'prefix',
      ADMIN_TOKEN: 'admin',
      LEDGER_URL: 'http://ledger.test:3001',
      LEDGER_PARTITIONS: '64',
      LEDGER_TOKEN: 'token-settlement-ledger-token',
      INBOUND_API_TOKEN: 'token-api-settlement-token',
    });
    expect(serviceEnvironment(registry, 'api', values).REDIS_URL).toBe('redis://cache.test/api');
    // The same token at both ends of a call.
    expect(serviceEnvironment(registry, 'ledger', values).INBOUND_API_TOKEN).toBe(
      serviceEnvironment(registry, 'api', values).LEDGER_TOKEN,
    );
  });

  it("gives a StatefulSet's partitions to it and to each caller, and its replicas' URLs to each caller where the environment has them", () => {
    const partitions = (name: string) => serviceEnvironment(registry, name, values).LEDGER_PARTITIONS;
    expect([partitions('ledger'), partitions('api'), partitions('settlement')]).toEqual(['64', '64', '64']);
    // Without replicaUrls (an environment whose replicas share one address): none.
    expect(serviceEnvironment(registry, 'api', values)).not.toHaveProperty('LEDGER_REPLICA_URLS');
    const withReplicas: EnvironmentValues = {
      ...values,
      replicaUrls: (service) => [0, 1, 2].map((n) => `http://${service.name}-${n}.test:${service.port}`),
    };
    const api = serviceEnvironment(registry, 'api', withReplicas);
    expect(api.LEDGER_REPLICA_URLS).toBe(
      'http://ledger-0.test:3001,http://ledger-1.test:3001,http://ledger-2.test:3001',
    );
    // Beside the callee's URL; a Deployment callee (settlement) has none.
    expect(
      Object.keys(api).filter((name) => name.startsWith('LEDGER_') || name.startsWith('SETTLEMENT_')),
    ).toEqual([
      'LEDGER_URL',
      'LEDGER_REPLICA_URLS',
      'LEDGER_PARTITIONS',
      'LEDGER_TOKEN',
      'SETTLEMENT_URL',
      'SETTLEMENT_TOKEN',
    ]);
    expect(serviceEnvironment(registry, 'ledger', withReplicas)).not.toHaveProperty('LEDGER_REPLICA_URLS');
    expect(replicaEnvironment(2, 3)).toEqual({ REPLICA_ORDINAL: '2', REPLICA_COUNT: '3' });
  });

  it('gives a service without database, Redis or admin token none of their variables', () => {
    const bare = parseRegistry({
      services: { bare: { kind: 'Deployment', port: 4000, managementPort: 9400, calls: [] } },
    });
    expect(serviceEnvironment(bare, 'bare', values)).toEqual({ PORT: '4010', MANAGEMENT_PORT: '9410' });
  });

  it('names the known services when asked for an unknown one', () => {
    expect(() => serviceEnvironment(registry, 'notifications', values)).toThrow(
      'notifications is not a service of the registry (ledger, api, settlement)',
    );
  });
});
