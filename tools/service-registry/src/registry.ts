import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { REGISTRY_FILE, REPO_ROOT } from './paths';

/**
 * The services registry: the `services:` map at the top of the chart's
 * values.yaml. Only the registry's own fields are read, and a StatefulSet's
 * replicas and partitions, which every environment runs it with; the chart
 * keeps its other per-service settings (resources, autoscaling, ...) in the
 * same entries, and those are the chart's business, so unknown keys are
 * ignored here.
 */

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const NAME_RULE = 'lower-case letters, digits and -, starting with a letter, at most 31 characters';

const PORT_RULE = 'must be an integer from 1 to 65535';
const port = z.int({ error: PORT_RULE }).min(1, { error: PORT_RULE }).max(65535, { error: PORT_RULE });
const flag = z.boolean({ error: 'must be true or false' }).default(false);
const count = (max: number) => {
  const rule = `must be an integer from 1 to ${max}`;
  return z.int({ error: rule }).min(1, { error: rule }).max(max, { error: rule });
};
/** The bounds of REPLICA_COUNT and LEDGER_PARTITIONS in the config schemas. */
const MAX_REPLICAS = 1_000;
const MAX_PARTITIONS = 4_096;

const entrySchema = z.object({
  kind: z.enum(['Deployment', 'StatefulSet'], { error: 'must be Deployment or StatefulSet' }),
  port,
  managementPort: port,
  public: flag,
  database: flag,
  redis: z.enum(['none', 'queues', 'cache'], { error: 'must be none, queues or cache' }).default('none'),
  adminToken: flag,
  calls: z
    .array(z.string({ error: 'must be a service name' }).regex(NAME, { error: `must be ${NAME_RULE}` }), {
      error: 'must be a list of service names',
    })
    .refine((names) => new Set(names).size === names.length, { error: 'names a service twice' }),
  replicas: count(MAX_REPLICAS).optional(),
  partitions: count(MAX_PARTITIONS).optional(),
});

export type ServiceKind = 'Deployment' | 'StatefulSet';
export type RedisUse = 'none' | 'queues' | 'cache';

/** One service of the registry. */
export interface Service {
  name: string;
  /** Deployment (stateless) or StatefulSet (stable identity). */
  kind: ServiceKind;
  /** The service's own HTTP port (PORT). */
  port: number;
  /** Probes, /metrics and /admin (MANAGEMENT_PORT). */
  managementPort: number;
  /** Reachable from outside the cluster (through the ingress controller). */
  public: boolean;
  /** Owns a PostgreSQL database named after it. */
  database: boolean;
  /** queues: the shared Redis that never evicts; cache: its own Redis, which may. */
  redis: RedisUse;
  /** Serves /admin, guarded by ADMIN_TOKEN. */
  adminToken: boolean;
  /** The services it calls. */
  calls: readonly string[];
  /**
   * StatefulSet only: its pods, each with an ordinal (REPLICA_ORDINAL among
   * REPLICA_COUNT): the entry's replicas, else serviceDefaults.replicas, as the
   * chart renders them. A Deployment's pods are interchangeable: undefined.
   */
  replicas?: number;
  /**
   * StatefulSet only: the partitions its work is divided into by ordinal,
   * <NAME>_PARTITIONS for it and for each of its callers; undefined: the apps' default.
   */
  partitions?: number;
}

export interface Registry {
  /** In the order of the file. */
  services: readonly Service[];
}

/** Everything wrong with a registry, one line per problem, each naming the service and field. */
export class RegistryError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: the services registry is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'RegistryError';
  }
}

/** Reads and validates the registry (by default the chart's values.yaml). */
export function loadRegistry(file = REGISTRY_FILE): Registry {
  return parseRegistry(parse(readFileSync(file, 'utf8')), relative(REPO_ROOT, file) || file);
}

/** Validates a parsed values document; `source` names it in errors. */
export function parseRegistry(values: unknown, source = 'values'): Registry {
  const map = (values as { services?: unknown } | null)?.services;
  if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.keys(map).length === 0) {
    throw new RegistryError(source, ['services: must be a map of at least one service name to its entry']);
  }
  const problems: string[] = [];
  const services: Service[] = [];
  const defaultReplicas = defaultReplicasOf(values, problems);
  for (const [name, entry] of Object.entries(map as Record<string, unknown>)) {
    if (!NAME.test(name)) problems.push(`services.${name}: the name must be ${NAME_RULE}`);
    const parsed = entrySchema.safeParse(entry ?? {}, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
        const message = 'input' in issue && issue.input === undefined ? 'is required' : issue.message;
        problems.push(`services.${name}${field}: ${message}`);
      }
      continue;
    }
    const { replicas, partitions, ...fields } = parsed.data;
    if (fields.kind === 'StatefulSet') {
      services.push({
        name,
        ...fields,
        replicas: replicas ?? defaultReplicas,
        ...(partitions !== undefined ? { partitions } : {}),
      });
    } else {
      if (partitions !== undefined)
        problems.push(
          `services.${name}.partitions: only a StatefulSet divides its work among its pods by ordinal`,
        );
      services.push({ name, ...fields });
    }
  }
  if (problems.length === 0) problems.push(...crossCheck(services));
  if (problems.length > 0) throw new RegistryError(source, problems);
  return { services };
}

/** serviceDefaults.replicas (the chart requires it), or 1 where a registry has no defaults. */
function defaultReplicasOf(values: unknown, problems: string[]): number {
  const replicas = (values as { serviceDefaults?: { replicas?: unknown } }).serviceDefaults?.replicas;
  if (replicas === undefined) return 1;
  const parsed = count(MAX_REPLICAS).safeParse(replicas);
  if (parsed.success) return parsed.data;
  problems.push(`serviceDefaults.replicas: ${parsed.error.issues[0]!.message}`);
  return 1;
}

/** What no single entry can show: calls to unknown services, cycles, ports used twice. */
function crossCheck(services: Service[]): string[] {
  const problems: string[] = [];
  const names = new Set(services.map((service) => service.name));
  for (const service of services) {
    for (const callee of service.calls) {
      if (callee === service.name)
        problems.push(`services.${service.name}.calls: a service cannot call itself`);
      else if (!names.has(callee))
        problems.push(`services.${service.name}.calls: ${callee} is not a service of the registry`);
    }
  }
  if (problems.length === 0) {
    const cycle = findCycle(services);
    if (cycle) {
      problems.push(
        `services.${cycle[0]}.calls: ${cycle.join(' -> ')} is a cycle: none of them could start first`,
      );
    }
  }
  // Every port is distinct so that the local stack runs every service on one machine.
  const owners = new Map<number, string>();
  for (const service of services) {
    for (const field of ['port', 'managementPort'] as const) {
      const owner = owners.get(service[field]);
      if (owner) problems.push(`services.${service.name}.${field}: ${service[field]} is already ${owner}`);
      else owners.set(service[field], `services.${service.name}.${field}`);
    }
  }
  return problems;
}

/** A path of calls that returns to its start, or undefined. */
function findCycle(services: Service[]): string[] | undefined {
  const calls = new Map(services.map((service) => [service.name, service.calls]));
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    const seen = path.indexOf(name);
    if (seen !== -1) return [...path.slice(seen), name];
    if (done.has(name)) return undefined;
    for (const callee of calls.get(name) ?? []) {
      const cycle = visit(callee, [...path, name]);
      if (cycle) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const { name } of services) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The service of that name; throws naming the registry's services when there is none. */
export function serviceNamed(registry: Registry, name: string): Service {
  const service = registry.services.find((candidate) => candidate.name === name);
  if (!service) {
    throw new Error(
      `${name} is not a service of the registry (${registry.services.map((s) => s.name).join(', ')})`,
    );
  }
  return service;
}
