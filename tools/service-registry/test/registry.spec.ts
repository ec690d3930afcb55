import { loadRegistry, parseRegistry, RegistryError } from '../src';

/** A registry of three services like the chart's, to vary one field at a time. */
const values = () => ({
  services: {
    ledger: {
      kind: 'StatefulSet',
      port: 3001,
      managementPort: 9001,
      database: true,
      redis: 'queues',
      calls: [],
    },
    api: {
      kind: 'Deployment',
      port: 3000,
      managementPort: 9000,
      public: true,
      database: true,
      redis: 'cache',
      adminToken: true,
      calls: ['ledger', 'settlement'],
    },
    settlement: {
      kind: 'Deployment',
      port: 3002,
      managementPort: 9002,
      database: true,
      redis: 'queues',
      adminToken: true,
      calls: ['ledger'],
    },
  } as Record<string, Record<string, unknown>>,
});

const problemsOf = (input: unknown): string[] => {
  try {
    parseRegistry(input, 'values.yaml');
  } catch (error) {
    if (error instanceof RegistryError) return error.problems;
    throw error;
  }
  return [];
};

describe('the services registry loader', () => {
  it("loads the chart's values.yaml: every service with its fields, in the file's order", () => {
    const registry = loadRegistry();
    expect(registry.services.map((service) => service.name)).toEqual(['ledger', 'api', 'settlement']);
    expect(registry.services.find((service) => service.name === 'api')).toEqual({
      name: 'api',
      kind: 'Deployment',
      port: 3000,
      managementPort: 9000,
      public: true,
      database: true,
      redis: 'cache',
      adminToken: true,
      calls: ['ledger', 'settlement'],
    });
  });

  it('defaults public, database and adminToken to false and redis to none', () => {
    const input = { services: { solo: { kind: 'Deployment', port: 4000, managementPort: 9400, calls: [] } } };
    expect(parseRegistry(input).services).toEqual([
      {
        name: 'solo',
        kind: 'Deployment',
        port: 4000,
        managementPort: 9400,
        public: false,
        database: false,
        redis: 'none',
        adminToken: false,
        calls: [],
      },
    ]);
  });

  it("ignores keys of an entry that are not the registry's (the chart's per-service settings)", () => {
    const input = values();
    input.services.api!.replicas = 3;
    input.services.api!.resources = { requests: { cpu: '500m' } };
    const api = parseRegistry(input).services[1]!;
    expect(api).not.toHaveProperty('replicas');
    expect(api).not.toHaveProperty('resources');
  });

  it("reads a StatefulSet's replicas and partitions, which every environment runs it with", () => {
    expect(loadRegistry().services.find((service) => service.name === 'ledger')).toMatchObject({
      kind: 'StatefulSet',
      replicas: 3,
      partitions: 64,
    });
    const input = values();
    input.services.ledger!.replicas = 2;
    input.services.ledger!.partitions = 16;
    expect(parseRegistry(input).services[0]).toMatchObject({ replicas: 2, partitions: 16 });
    // Unset: serviceDefaults.replicas, as the chart renders it; without defaults one. No partitions: the apps' default.
    const unset = values();
    expect(parseRegistry(unset).services[0]!.replicas).toBe(1);
    expect(parseRegistry(unset).services[0]).not.toHaveProperty('partitions');
    expect(parseRegistry({ ...unset, serviceDefaults: { replicas: 2 } }).services[0]!.replicas).toBe(2);
  });

  it('rejects partitions on a Deployment, and replicas or partitions out of bounds', () => {
    const input = values();
    input.services.api!.partitions = 64;
    expect(problemsOf(input)).toEqual([
      'services.api.partitions: only a StatefulSet divides its work among its pods by ordinal',
    ]);
    const bounds = values();
    bounds.services.ledger!.replicas = 0;
    bounds.services.ledger!.partitions = 5000;
    expect(problemsOf({ ...bounds, serviceDefaults: { replicas: 'two' } })).toEqual([
      'serviceDefaults.replicas: must be an integer from 1 to 1000',
      'services.ledger.replicas: must be an integer from 1 to 1000',
      'services.ledger.partitions: must be an integer from 1 to 4096',
    ]);
  });

  it('names the service and the field of every invalid value, all at once', () => {
    const input = values();
    input.services.api!.port = 'http';
    input.services.api!.redis = 'memcached';
    delete input.services.settlement!.kind;
    input.services.settlement!.managementPort = 70000;
    input.services.ledger!.calls = 'api';
    expect(problemsOf(input)).toEqual([
      'services.ledger.calls: must be a list of service names',
      'services.api.port: must be an integer from 1 to 65535',
      'services.api.redis: must be none, queues or cache',
      'services.settlement.kind: is required',
      'services.settlement.managementPort: must be an integer from 1 to 65535',
    ]);
  });

  it('says where the registry is in the message', () => {
    const input = values();
    input.services.api!.database = 'yes';
    expect(() => parseRegistry(input, 'deploy/helm/meridian/values.yaml')).toThrow(
      'deploy/helm/meridian/values.yaml: the services registry is invalid:\n' +
        '  services.api.database: must be true or false',
    );
  });

  it('rejects a missing or empty map, and a service name that is no DNS label', () => {
    expect(problemsOf({})).toEqual(['services: must be a map of at least one service name to its entry']);
    expect(problemsOf({ services: {} })).toEqual([
      'services: must be a map of at least one service name to its entry',
    ]);
    const input = values();
    input.services.Billing_V2 = { ...input.services.ledger, port: 3009, managementPort: 9009 };
    expect(problemsOf(input)).toEqual([
      'services.Billing_V2: the name must be lower-case letters, digits and -, starting with a letter, at most 31 characters',
    ]);
  });

  it('rejects a call to a service the registry does not have, or to itself, or twice', () => {
    const input = values();
    input.services.api!.calls = ['ledger', 'notifications'];
    input.services.settlement!.calls = ['settlement'];
    expect(problemsOf(input)).toEqual([
      'services.api.calls: notifications is not a service of the registry',
      'services.settlement.calls: a service cannot call itself',
    ]);
    input.services.api!.calls = ['ledger', 'ledger'];
    expect(problemsOf(input)).toContain('services.api.calls: names a service twice');
  });

  it('rejects a cycle of calls, naming its path', () => {
    const input = values();
    input.services.ledger!.calls = ['api'];
    expect(problemsOf(input)).toEqual([
      'services.ledger.calls: ledger -> api -> ledger is a cycle: none of them could start first',
    ]);
    input.services.ledger!.calls = [];
    input.services.settlement!.calls = ['api'];
    expect(problemsOf(input)).toEqual([
      'services.api.calls: api -> settlement -> api is a cycle: none of them could start first',
    ]);
  });

  it('rejects a port or management port that another service (or the same one) already uses', () => {
    const input = values();
    input.services.settlement!.port = 3000;
    input.services.ledger!.managementPort = 3001;
    expect(problemsOf(input)).toEqual([
      'services.ledger.managementPort: 3001 is already services.ledger.port',
      'services.settlement.port: 3000 is already services.api.port',
    ]);
  });
});
