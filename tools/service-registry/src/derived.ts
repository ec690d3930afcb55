import { type Registry, type Service, serviceNamed } from './registry';

/**
 * Facts derived from the registry, with the names every environment uses (the
 * local stack, compose and the chart): a service's name upper-cased with - as _
 * in variables, as written in Secret keys.
 */

/** `settlement-v2` -> `SETTLEMENT_V2`: a service's name inside a variable name. */
export const variableName = (service: string): string => service.toUpperCase().replaceAll('-', '_');

/** Services with every callee before its callers: the order to start them in (ties keep the file's order). */
export function startOrder(registry: Registry): Service[] {
  const started = new Set<string>();
  const order: Service[] = [];
  while (order.length < registry.services.length) {
    const next = registry.services.find(
      (service) => !started.has(service.name) && service.calls.every((callee) => started.has(callee)),
    );
    // parseRegistry rejects cycles, so a registry built by hand is the only way here.
    if (!next) throw new Error('the services registry has a cycle of calls: no service can start next');
    started.add(next.name);
    order.push(next);
  }
  return order;
}

/** One declared call: the caller presents a token of its own that the callee knows it by. */
export interface TokenEdge {
  caller: string;
  callee: string;
  /** The caller's variable with the callee's base URL, e.g. LEDGER_URL. */
  urlVariable: string;
  /** The caller's variable with its token, e.g. LEDGER_TOKEN. */
  tokenVariable: string;
  /** The callee's variable with the caller's token, e.g. INBOUND_API_TOKEN (and `_NEXT` while it rotates). */
  inboundVariable: string;
  /** The Secret key both read, e.g. api-ledger-token. */
  secretKey: string;
}

/** Every declared call, callers in the file's order, each caller's callees in its order. */
export function tokenEdges(registry: Registry): TokenEdge[] {
  return registry.services.flatMap((caller) =>
    caller.calls.map((callee) => ({
      caller: caller.name,
      callee,
      urlVariable: `${variableName(callee)}_URL`,
      tokenVariable: `${variableName(callee)}_TOKEN`,
      inboundVariable: `INBOUND_${variableName(caller.name)}_TOKEN`,
      secretKey: `${caller.name}-${callee}-token`,
    })),
  );
}

/** Who calls the service, in the file's order. */
export const callersOf = (registry: Registry, name: string): Service[] =>
  registry.services.filter((service) => service.calls.includes(name));

/** Names of the PostgreSQL databases, one per service that has one, named after it. */
export const databaseNames = (registry: Registry): string[] =>
  registry.services.filter((service) => service.database).map((service) => service.name);

/** Each service's management port (probes, /metrics, /admin), by name. */
export const managementPorts = (registry: Registry): Record<string, number> =>
  Object.fromEntries(registry.services.map((service) => [service.name, service.managementPort]));

/** A variable of a service that the chart fills from a Secret key. */
export interface SecretVariable {
  variable: string;
  secretKey: string;
}

/** The variables a service reads from the Secret, and their keys. */
export function secretVariables(registry: Registry, name: string): SecretVariable[] {
  const service = serviceNamed(registry, name);
  const edges = tokenEdges(registry);
  return [
    ...(service.database ? [{ variable: 'DATABASE_URL', secretKey: `${service.name}-database-url` }] : []),
    ...(service.redis === 'queues' ? [{ variable: 'REDIS_URL', secretKey: 'redis-url' }] : []),
    ...(service.redis === 'cache' ? [{ variable: 'REDIS_URL', secretKey: `${service.name}-redis-url` }] : []),
    ...(service.adminToken ? [{ variable: 'ADMIN_TOKEN', secretKey: 'admin-token' }] : []),
    ...edges
      .filter((edge) => edge.caller === name)
      .map((edge) => ({ variable: edge.tokenVariable, secretKey: edge.secretKey })),
    ...edges
      .filter((edge) => edge.callee === name)
      .map((edge) => ({ variable: edge.inboundVariable, secretKey: edge.secretKey })),
  ];
}

/** Where one environment (the local stack, compose, ...) puts what the registry declares. */
export interface EnvironmentValues {
  /** The ports the service listens on there. */
  ports(service: Service): { port: number; managementPort: number };
  /** The base URL its callers reach it at. */
  url(service: Service): string;
  databaseUrl(service: Service): string;
  redisUrl(service: Service, use: 'queues' | 'cache'): string;
  redisKeyPrefix: string;
  token(edge: TokenEdge): string;
  adminToken: string;
  /**
   * Each replica's base URL, by ordinal, where the environment runs a
   * StatefulSet's replicas at addresses of their own: its callers get them
   * as <CALLEE>_REPLICA_URLS beside <CALLEE>_URL. Left out: none.
   */
  replicaUrls?(service: Service): string[];
}

/** `LEDGER_PARTITIONS`: the variable with a StatefulSet's partitions, read by it and by its callers. */
export const partitionsVariable = (service: string): string => `${variableName(service)}_PARTITIONS`;

/**
 * The variables the registry gives a service in one environment: its ports,
 * datastores, admin token, its partitions, the URL (and a StatefulSet's
 * replica URLs and partitions) and token of each callee and the token of
 * each caller. Settings of the service itself (log level, shutdown, ...) are
 * the environment's to add, and so is a replica's identity
 * (`replicaEnvironment`).
 */
export function serviceEnvironment(
  registry: Registry,
  name: string,
  values: EnvironmentValues,
): Record<string, string> {
  const service = serviceNamed(registry, name);
  const { port, managementPort } = values.ports(service);
  const env: Record<string, string> = { PORT: String(port), MANAGEMENT_PORT: String(managementPort) };
  if (service.database) env.DATABASE_URL = values.databaseUrl(service);
  if (service.redis !== 'none') {
    env.REDIS_URL = values.redisUrl(service, service.redis);
    env.REDIS_KEY_PREFIX = values.redisKeyPrefix;
  }
  if (service.adminToken) env.ADMIN_TOKEN = values.adminToken;
  if (service.partitions !== undefined) env[partitionsVariable(name)] = String(service.partitions);
  for (const edge of tokenEdges(registry)) {
    if (edge.caller === name) {
      const callee = serviceNamed(registry, edge.callee);
      env[edge.urlVariable] = values.url(callee);
      if (callee.kind === 'StatefulSet' && values.replicaUrls)
        env[`${variableName(callee.name)}_REPLICA_URLS`] = values.replicaUrls(callee).join(',');
      if (callee.partitions !== undefined) env[partitionsVariable(callee.name)] = String(callee.partitions);
      env[edge.tokenVariable] = values.token(edge);
    }
  }
  for (const edge of tokenEdges(registry)) {
    if (edge.callee === name) env[edge.inboundVariable] = values.token(edge);
  }
  return env;
}

/**
 * A StatefulSet replica's identity, as the chart gives each pod: its ordinal
 * (from 0) and how many replicas there are. The service divides its work by
 * both (the ledger's partitions: docs/operations/ledger-partitions.md).
 */
export const replicaEnvironment = (ordinal: number, replicas: number): Record<string, string> => ({
  REPLICA_ORDINAL: String(ordinal),
  REPLICA_COUNT: String(replicas),
});
