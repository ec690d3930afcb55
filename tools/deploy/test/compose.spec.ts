import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { composeServiceNames, loadRegistry } from '@meridian/service-registry';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { checkComposeVariables, composeTarget } from '../src/config-coverage';
import { RULES_DIR, ruleFileNames } from '../src/monitoring';
import { COMPOSE_FILE, toolchain } from '../src/toolchain';

interface Service {
  image?: string;
  networks?: Record<string, { aliases?: string[] }>;
  build?: { context: string; dockerfile: string; args: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  profiles?: string[];
  develop?: { watch: { action: string; path: string }[] };
  volumes?: string[];
  ports?: string[];
  read_only?: boolean;
  cap_drop?: string[];
}

const load = () =>
  parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as { services: Record<string, Service> };

describe('docker/compose.yaml', () => {
  const { services } = load();
  const registry = loadRegistry();
  const apps = registry.services.map((service) => service.name);
  /** The compose services of each app: itself, or one per replica of a StatefulSet (ledger-0, ...). */
  const runners = registry.services.flatMap((service) =>
    composeServiceNames(service).map((name) => [name, service] as const),
  );
  const runnersOf = (app: string) => composeServiceNames(registry.services.find((s) => s.name === app)!);
  const withDatabase = registry.services.filter((service) => service.database).map((service) => service.name);
  /** The Redis each use of one is given (README, "Redis: what may be evicted"). */
  const REDIS = { queues: 'redis', cache: 'redis-cache' } as const;

  it('is valid against the Compose Specification schema (as docker compose validates it)', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(JSON.parse(readFileSync(toolchain.composeSchema(), 'utf8')) as object);
    expect(validate(load())).toBe(true);
    const broken = load();
    (broken.services.api as Record<string, unknown>).healthcheck = { test: ['CMD'], intervall: '5s' };
    expect(validate(broken)).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        instancePath: '/services/api/healthcheck',
        params: { additionalProperty: 'intervall' },
      }),
    );
  });

  it('runs the infrastructure, and every service of the registry with a migration for each database', () => {
    const infrastructure = [
      'grafana',
      'jaeger',
      'otel-collector',
      'postgres',
      'prometheus',
      'redis',
      'redis-cache',
    ];
    expect(Object.keys(services).sort()).toEqual(
      [
        ...infrastructure,
        ...runners.map(([name]) => name),
        ...withDatabase.map((app) => `${app}-migrate`),
      ].sort(),
    );
  });

  it.each(
    registry.services.filter((service) => service.kind === 'StatefulSet').map((s) => [s.name, s] as const),
  )(
    "runs the StatefulSet %s as the chart does: one service per ordinal with REPLICA_ORDINAL and REPLICA_COUNT, all at its name, which its callers reach it by, with each replica's URL and the same partitions",
    (name, service) => {
      const replicas = service.replicas!;
      expect(replicas).toBeGreaterThan(1);
      const names = runnersOf(name);
      expect(names).toEqual(Array.from({ length: replicas }, (_, ordinal) => `${name}-${ordinal}`));
      expect(services).not.toHaveProperty(name);
      const partitions = `${name.toUpperCase()}_PARTITIONS`;
      names.forEach((replica, ordinal) => {
        const environment = services[replica]!.environment!;
        expect([environment.REPLICA_ORDINAL, environment.REPLICA_COUNT]).toEqual([
          String(ordinal),
          String(replicas),
        ]);
        expect(services[replica]!.networks?.default?.aliases).toEqual([name]);
        expect(environment[partitions]).toBe(String(service.partitions));
      });
      const callers = registry.services.filter((caller) => caller.calls.includes(name));
      expect(callers.length).toBeGreaterThan(0);
      for (const caller of callers) {
        const environment = services[caller.name]!.environment!;
        expect(environment[`${name.toUpperCase()}_URL`]).toBe(`http://${name}:${service.port}`);
        expect(environment[`${name.toUpperCase()}_REPLICA_URLS`]!.split(',')).toEqual(
          names.map((replica) => `http://${replica}:${service.port}`),
        );
        expect(environment[partitions]).toBe(String(service.partitions));
      }
    },
  );

  it('puts every service in exactly one profile, core or observability, and core never needs an observability one', () => {
    const core = Object.keys(services).filter((name) => services[name]!.profiles?.join() === 'core');
    const observability = Object.keys(services).filter(
      (name) => services[name]!.profiles?.join() === 'observability',
    );
    expect([...core, ...observability].sort()).toEqual(Object.keys(services).sort());
    expect(core).toEqual(
      expect.arrayContaining([
        'postgres',
        'redis',
        'redis-cache',
        ...runners.map(([name]) => name),
        ...withDatabase.map((app) => `${app}-migrate`),
      ]),
    );
    for (const name of core) {
      for (const [dependency, { required }] of Object.entries(services[name]!.depends_on ?? {})) {
        if (observability.includes(dependency))
          expect({ name, dependency, required }).toEqual({ name, dependency, required: false });
      }
    }
    // Both profiles by default: docker compose reads COMPOSE_PROFILES from the .env beside the file.
    const env = readFileSync(resolve(dirname(COMPOSE_FILE), '.env'), 'utf8');
    expect(env).toMatch(/^COMPOSE_PROFILES=core,observability$/m);
  });

  it('passes each app only variables its config schema knows, and every required one', () => {
    expect(checkComposeVariables(services)).toEqual([]);
  });

  it('catches a variable no schema knows', () => {
    const broken = load().services;
    broken['ledger-1']!.environment!.LEDGER_BATCH_SIZE = '10';
    delete broken.api!.environment!.ADMIN_TOKEN;
    expect(checkComposeVariables(broken)).toEqual([
      {
        where: 'compose service ledger-1',
        message: 'LEDGER_BATCH_SIZE is not a variable of the ledger config schema',
      },
      {
        where: 'compose service api',
        message: 'ADMIN_TOKEN is required by the api config schema but not passed',
      },
    ]);
  });

  it.each(runners.map(([name, service]) => [name, service.name] as const))(
    'builds %s from docker/Dockerfile and checks its health through node (exec form, no shell)',
    (name, app) => {
      const service = services[name]!;
      expect(service.build?.dockerfile).toBe('docker/Dockerfile');
      expect(
        existsSync(resolve(dirname(COMPOSE_FILE), service.build!.context, service.build!.dockerfile)),
      ).toBe(true);
      expect(composeTarget(service)).toBe(app);
      expect(service.healthcheck?.test.slice(0, 3)).toEqual(['CMD', '/nodejs/bin/node', '-e']);
      expect(service.healthcheck?.test[3]).toContain('/health/ready');
      expect(service.read_only).toBe(true);
      expect(service.cap_drop).toEqual(['ALL']);
      expect(service.develop?.watch.map((rule) => rule.path)).toContain(`../apps/${app}/src`);
    },
  );

  it.each(apps)(
    '%s: the healthcheck and Prometheus reach MANAGEMENT_PORT of each of its compose services, which one publishes on 127.0.0.1 only',
    (app) => {
      const names = runnersOf(app);
      const management = String(registry.services.find((entry) => entry.name === app)!.managementPort);
      for (const name of names) {
        const service = services[name]!;
        expect(service.environment!.MANAGEMENT_PORT).toBe(management);
        expect(management).not.toBe(service.environment!.PORT);
        expect(service.healthcheck?.test[3]).toContain(`http://127.0.0.1:${management}/health/ready`);
      }
      // The host's port once (a StatefulSet's first replica): the others would take the same one.
      const [first, ...others] = names;
      expect(services[first!]!.ports!.filter((port) => port.endsWith(`:${management}`))).toEqual([
        `127.0.0.1:${management}:${management}`,
      ]);
      for (const name of others) expect(services[name]!.ports).toBeUndefined();
      const prometheus = parse(
        readFileSync(resolve(dirname(COMPOSE_FILE), 'observability/prometheus.yml'), 'utf8'),
      ) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
      const job = prometheus.scrape_configs.find((config) => config.job_name === app);
      expect(job?.static_configs.flatMap((config) => config.targets)).toEqual(
        names.map((name) => `${name}:${management}`),
      );
    },
  );

  it.each(runners.map(([name, service]) => [name, service.name] as const))(
    '%s starts only after its migration completed and (every replica of) its callees and Redis are healthy',
    (name, app) => {
      const entry = registry.services.find((service) => service.name === app)!;
      const dependsOn = services[name]!.depends_on ?? {};
      if (entry.database) {
        const migrate = services[`${app}-migrate`]!;
        expect(composeTarget(migrate)).toBe('migrate');
        expect(migrate.image).toBe(services[name]!.image);
        expect(migrate.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
        expect(dependsOn[`${app}-migrate`]).toEqual({ condition: 'service_completed_successfully' });
      }
      for (const callee of entry.calls)
        for (const runner of runnersOf(callee))
          expect(dependsOn[runner]).toEqual({ condition: 'service_healthy' });
      if (entry.redis !== 'none')
        expect(dependsOn[REDIS[entry.redis]]).toEqual({ condition: 'service_healthy' });
    },
  );

  it("gives a service with a cache a bounded Redis that evicts only keys with a TTL, and no address of the queues' Redis", () => {
    const command = services['redis-cache']!.command!.join(' ');
    expect(command).toContain('--maxmemory-policy volatile-lru');
    expect(command).toMatch(/--maxmemory \d+mb/);
    expect(registry.services.some((service) => service.redis === 'cache')).toBe(true);
    for (const [name, service] of runners) {
      const environment = services[name]!.environment!;
      if (service.redis === 'none') expect(environment).not.toHaveProperty('REDIS_URL');
      else expect(environment.REDIS_URL).toBe(`redis://${REDIS[service.redis]}:6379`);
    }
  });

  it('runs Redis with noeviction and an append-only file', () => {
    const command = services.redis!.command!.join(' ');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(command).toContain('--appendonly yes');
  });

  it('creates the database of each service that has one, and mounts every config file it names', () => {
    const sql = readFileSync(resolve(dirname(COMPOSE_FILE), 'postgres/databases.sql'), 'utf8');
    for (const app of withDatabase) expect(sql).toMatch(new RegExp(`^CREATE DATABASE "?${app}"?;$`, 'm'));
    const mounts = Object.values(services)
      .flatMap((service) => service.volumes ?? [])
      .filter((volume) => volume.startsWith('./') || volume.startsWith('../'));
    expect(mounts).toHaveLength(6);
    for (const mount of mounts)
      expect(existsSync(resolve(dirname(COMPOSE_FILE), mount.split(':')[0]!))).toBe(true);
  });

  it('provisions a Grafana dashboard with RED per service, queue depth and settlement batches', () => {
    const dashboard = JSON.parse(
      readFileSync(
        resolve(dirname(COMPOSE_FILE), 'observability/grafana/dashboards/meridian-overview.json'),
        'utf8',
      ),
    ) as { panels: { targets?: { expr: string }[] }[] };
    const queries = dashboard.panels
      .flatMap((panel) => panel.targets ?? [])
      .map((target) => target.expr)
      .join('\n');
    for (const metric of [
      'http_server_request_duration_seconds_count',
      'status_code=~"5.."',
      'http_server_request_duration_seconds_bucket',
      'settlement_queue_jobs',
      'settlement_batches_total',
      'settlement_instructions_unposted',
      'settlement_instruction_oldest_unposted_age_seconds',
    ]) {
      expect(queries).toContain(metric);
    }
  });

  it("loads the chart's rule files into Prometheus: rule_files names the folder deploy/helm/meridian/rules is mounted at", () => {
    const folder = dirname(COMPOSE_FILE);
    const prometheus = parse(readFileSync(resolve(folder, 'observability/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
    };
    const mounted = new Map(
      (services.prometheus!.volumes ?? []).map((volume) => {
        const [from, to] = volume.split(':');
        return [to!, from!];
      }),
    );
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/rules/*.yaml']);
    const from = mounted.get('/etc/prometheus/rules');
    expect(from && resolve(folder, from)).toBe(RULES_DIR);
    // The same files the chart's PrometheusRule embeds (tools/deploy/test/monitoring.spec.ts tests them).
    expect(ruleFileNames()).toEqual(['api-slos.yaml', 'ledger.yaml', 'scraping.yaml', 'settlement.yaml']);
  });
});
