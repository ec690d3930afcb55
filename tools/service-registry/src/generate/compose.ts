import { isMap, isScalar, parseDocument, stringify, type Pair, type YAMLMap } from 'yaml';
import {
  callersOf,
  type EnvironmentValues,
  replicaEnvironment,
  serviceEnvironment,
  startOrder,
} from '../derived';
import { type Registry, type Service, serviceNamed } from '../registry';

/**
 * docker/compose.yaml: the hand-written template (infrastructure and the
 * x-app-* defaults) plus, for each registry service, its one-shot migration
 * and the service itself: a StatefulSet as one compose service per replica,
 * `<name>-0` ... `<name>-<replicas - 1>`, each with its ordinal, all answering
 * at `<name>` as well (a network alias: what the chart's ClusterIP Service is).
 * Addresses below are those of the template's infrastructure services
 * (postgres, redis, redis-cache, otel-collector).
 */

/** The compose services that run a registry service: one, or one per replica of a StatefulSet. */
export const composeServiceNames = (service: Service): string[] =>
  service.kind === 'StatefulSet'
    ? Array.from({ length: service.replicas ?? 1 }, (_, ordinal) => `${service.name}-${ordinal}`)
    : [service.name];

const POSTGRES = 'postgresql://meridian:meridian@postgres:5432';
const REDIS = { queues: 'redis', cache: 'redis-cache' } as const;

/** A fixed, obviously local value of a Secret key, long enough for every token rule (32+). */
const localSecret = (secretKey: string) => {
  const prefix = `compose-${secretKey}-`;
  return prefix + '0123456789abcdef'.repeat(4).slice(0, Math.max(10, 42 - prefix.length));
};

const composeValues: EnvironmentValues = {
  ports: (service) => ({ port: service.port, managementPort: service.managementPort }),
  url: (service) => `http://${service.name}:${service.port}`,
  databaseUrl: (service) => `${POSTGRES}/${service.name}`,
  redisUrl: (_service, use) => `redis://${REDIS[use]}:6379`,
  redisKeyPrefix: 'meridian',
  token: (edge) => localSecret(edge.secretKey),
  adminToken: localSecret('admin-token'),
  replicaUrls: (service) => composeServiceNames(service).map((name) => `http://${name}:${service.port}`),
};

/** A YAML scalar as it goes on one line (quoted only when it must be). */
const scalar = (value: string | number) => stringify(value, { lineWidth: 0 }).trimEnd();

const comments: [RegExp, (service: Service) => string][] = [
  [
    /^REPLICA_ORDINAL$/,
    (service) =>
      `This replica's identity: it works the partitions of its ordinal among ${service.replicas ?? 1} (docs/operations/ledger-partitions.md).`,
  ],
  [/^INBOUND_/, (service) => `A token per caller: ${service.name} knows who calls.`],
  [/^ADMIN_TOKEN$/, () => "The operator's token for /admin, one for every service."],
  [
    /_REPLICA_URLS$/,
    () =>
      "Each replica by ordinal: a tenant's calls go to the one that owns its partition, else to the URL above.",
  ],
];

/** The service's variables, and a replica's identity first when it is one of a StatefulSet's. */
function environmentLines(registry: Registry, service: Service, ordinal?: number): string[] {
  const lines: string[] = [];
  const commented = new Set<RegExp>();
  const environment = {
    ...(ordinal !== undefined ? replicaEnvironment(ordinal, service.replicas ?? 1) : {}),
    ...serviceEnvironment(registry, service.name, composeValues),
  };
  for (const [name, value] of Object.entries(environment)) {
    const comment = comments.find(([pattern]) => pattern.test(name) && !commented.has(pattern));
    if (comment) {
      commented.add(comment[0]);
      lines.push(`# ${comment[1](service)}`);
    }
    lines.push(`${name}: ${scalar(value)}`);
  }
  return lines;
}

const indent = (lines: string[], depth: number) => lines.map((line) => `${' '.repeat(depth)}${line}`);

function migrationEntry(service: Service): string[] {
  return [
    `${service.name}-migrate:`,
    '  <<: *migrate-defaults',
    `  build: { <<: *app-build, args: { APP: ${service.name} } }`,
    `  image: meridian-${service.name}:local`,
    '  environment:',
    `    DATABASE_URL: ${scalar(composeValues.databaseUrl(service))}`,
    '    LOG_LEVEL: info',
  ];
}

/**
 * The compose service of a registry service, or of one replica of a
 * StatefulSet (`ordinal`): that one is also reached at the service's name (a
 * network alias every replica shares), and only the first replica publishes
 * the registry's ports on the host.
 */
function serviceEntry(registry: Registry, service: Service, ordinal?: number): string[] {
  const ready = `fetch('http://127.0.0.1:${service.managementPort}/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  // A caller starts once every replica of its callee is healthy: its calls go to each of them.
  const dependencies = [
    ...(service.database ? [`${service.name}-migrate: { condition: service_completed_successfully }`] : []),
    ...service.calls.flatMap((callee) =>
      composeServiceNames(serviceNamed(registry, callee)).map(
        (name) => `${name}: { condition: service_healthy }`,
      ),
    ),
    ...(service.redis !== 'none' ? [`${REDIS[service.redis]}: { condition: service_healthy }`] : []),
    // Not required: the core profile runs without the observability services.
    'otel-collector: { condition: service_started, required: false }',
  ];
  const watched = [
    `../apps/${service.name}/src`,
    ...(service.database ? [`../apps/${service.name}/prisma`] : []),
  ];
  const callers = callersOf(registry, service.name).map((caller) => caller.name);
  const replicas = service.replicas ?? 1;
  const roles = [
    ...(service.public ? ['Public'] : []),
    ...(service.calls.length > 0 ? [`Calls ${service.calls.join(', ')}`] : []),
    ...(callers.length > 0 ? [`Called by ${callers.join(', ')}`] : []),
  ];
  const replicaNotes =
    ordinal === undefined
      ? []
      : ordinal === 0
        ? [
            `# A StatefulSet of ${replicas}: ${composeServiceNames(service).join(', ')}, each with its ordinal. ${service.name}, a network`,
            `# alias of each, reaches any of them (the chart's ClusterIP Service). Only this one publishes its ports.`,
          ]
        : [`# Replica ${ordinal} of ${replicas} of ${service.name}.`];
  const published = ordinal === undefined || ordinal === 0;
  return [
    ...(roles.length > 0 && (ordinal === undefined || ordinal === 0) ? [`# ${roles.join('. ')}.`] : []),
    ...replicaNotes,
    `${ordinal === undefined ? service.name : `${service.name}-${ordinal}`}:`,
    '  <<: *app-defaults',
    `  build: { <<: *app-build, args: { APP: ${service.name} } }`,
    `  image: meridian-${service.name}:local`,
    ...(ordinal === undefined ? [] : ['  networks:', `    default: { aliases: [${service.name}] }`]),
    '  environment:',
    '    <<: *app-env',
    ...indent(environmentLines(registry, service, ordinal), 4),
    '  healthcheck:',
    '    <<: *app-healthcheck',
    '    # Distroless has no shell or curl: node asks /health/ready on the management port.',
    `    test: [CMD, /nodejs/bin/node, -e, ${JSON.stringify(ready)}]`,
    '  depends_on:',
    ...indent(dependencies, 4),
    ...(published
      ? [
          `  ports: ['127.0.0.1:${service.port}:${service.port}', '127.0.0.1:${service.managementPort}:${service.managementPort}']`,
        ]
      : []),
    '  develop:',
    '    watch:',
    ...indent(
      [...watched, '../packages'].map((path) => `- { action: rebuild, path: ${path} }`),
      6,
    ),
  ];
}

/** A pair's key as text; merge keys (parsed as a symbol) are `<<`. */
const keyOf = (pair: Pair) => {
  const key = isScalar(pair.key) ? pair.key.value : pair.key;
  return typeof key === 'symbol' ? '<<' : String(key);
};

/**
 * Merges `override` into `target` as compose merges an override file: maps key
 * by key, anything else replaced. A new key goes right after the merge keys
 * (`<<: *app-defaults`), beside the defaults it adds to or overrides.
 */
function mergeOver(target: YAMLMap, override: YAMLMap): void {
  const first = override.items[0];
  // A comment between the override's key and its first entry belongs to that entry.
  if (override.commentBefore && first && isScalar(first.key)) {
    first.key.commentBefore = [override.commentBefore, first.key.commentBefore].filter(Boolean).join('\n');
  }
  let insertAt = target.items.filter((candidate) => keyOf(candidate) === '<<').length;
  for (const pair of override.items) {
    const existing = target.items.find((candidate) => keyOf(candidate) === keyOf(pair));
    if (!existing) target.items.splice(insertAt++, 0, pair);
    else if (isMap(existing.value) && isMap(pair.value)) mergeOver(existing.value, pair.value);
    else existing.value = pair.value;
  }
}

/** The leading comment paragraph of the template speaks of the template; the output gets `notice` instead. */
export function replaceLeadingComment(template: string, notice: string): string {
  const lines = template.split('\n');
  let first = 0;
  while (lines[first]?.startsWith('#')) first++;
  while (lines[first] === '') first++;
  return `${notice}\n\n${lines.slice(first).join('\n')}`;
}

export function renderCompose(registry: Registry, template: string, notice: string): string {
  // The entries are written as YAML text so that they read like the template, and
  // parsed in the same document so that their aliases (*app-defaults, ...) resolve.
  const generated = [
    ...registry.services.filter((service) => service.database).map(migrationEntry),
    ...startOrder(registry).flatMap((service) =>
      service.kind === 'StatefulSet'
        ? composeServiceNames(service).map((_, ordinal) => serviceEntry(registry, service, ordinal))
        : [serviceEntry(registry, service)],
    ),
  ];
  // A registry service's name: the compose services that run it (each replica of a StatefulSet).
  const runBy = new Map(
    registry.services.flatMap((service) => composeServiceNames(service).map((name) => [name, service.name])),
  );
  const text = `${replaceLeadingComment(template, notice).trimEnd()}\n\nx-generated:\n${generated
    .map((entry) => indent(entry, 2).join('\n'))
    .join('\n\n')}\n`;
  const document = parseDocument(text, { merge: true });
  if (document.errors.length > 0) throw new Error(`compose template: ${document.errors[0]!.message}`);
  const services = document.get('services') as YAMLMap;
  const entries = (document.get('x-generated') as YAMLMap).items;
  // The template's entry of a generated service is merged over it; that of a registry service
  // over each compose service that runs it (every replica of a StatefulSet).
  const overridable = new Set([...entries.map(keyOf), ...runBy.values()]);
  const overrides = new Map<string, YAMLMap>();
  for (const pair of [...services.items]) {
    const name = keyOf(pair);
    if (!overridable.has(name)) continue;
    if (!isMap(pair.value)) throw new Error(`compose template: services.${name} is not a map`);
    overrides.set(name, pair.value);
    services.items.splice(services.items.indexOf(pair), 1);
  }
  for (const entry of entries) {
    const override = overrides.get(keyOf(entry)) ?? overrides.get(runBy.get(keyOf(entry)) ?? '');
    if (override) mergeOver(entry.value as YAMLMap, override.clone() as YAMLMap);
    if (isScalar(entry.key)) entry.key.spaceBefore = true;
    services.items.push(entry);
  }
  document.delete('x-generated');
  for (const pair of services.items) {
    if (isMap(pair.value) && !pair.value.has('image') && !pair.value.has('build')) {
      throw new Error(
        `compose template: services.${keyOf(pair)} has no image and is no service of the registry`,
      );
    }
  }
  return document.toString({ lineWidth: 0 });
}
