import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, parseDocument, type Document, type YAMLMap } from 'yaml';

/** What the generator needs of a registry entry (deploy/helm/<chart>/values.yaml, `services:`). */
export interface RegistryEntry {
  port: number;
  managementPort: number;
  calls: string[];
  /** A partitioned StatefulSet's partition count: its callers must know it too. */
  partitions?: number;
}

export type Registry = Record<string, RegistryEntry>;

function parseValues(text: string, file: string): Document.Parsed {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new Error(`${file} does not parse: ${document.errors[0]!.message}`);
  return document;
}

function servicesMap(document: Document.Parsed, file: string): YAMLMap {
  const services = document.get('services', true);
  if (!isMap(services) || services.flow || services.items.length === 0)
    throw new Error(`${file} has no block map of services at its top level`);
  return services;
}

/** The registry as the values file declares it. */
export function readRegistry(text: string, file: string): Registry {
  const services = parseValues(text, file).toJS() as { services?: Record<string, Partial<RegistryEntry>> };
  const registry: Registry = {};
  for (const [name, entry] of Object.entries(services.services ?? {})) {
    if (typeof entry?.port !== 'number' || typeof entry.managementPort !== 'number')
      throw new Error(`${file}: services.${name} lacks port or managementPort`);
    registry[name] = {
      port: entry.port,
      managementPort: entry.managementPort,
      calls: entry.calls ?? [],
      ...(typeof entry.partitions === 'number' ? { partitions: entry.partitions } : {}),
    };
  }
  return registry;
}

/** One above the highest of the given ports. */
const nextAbove = (used: number[]) => Math.max(...used) + 1;

/** The ports of a new service: the next free public port (or the one asked for) and the next free management port. */
export function choosePorts(
  registry: Registry,
  requestedPort?: number,
): { port: number; managementPort: number } {
  const entries = Object.values(registry);
  const used = new Set(entries.flatMap((entry) => [entry.port, entry.managementPort]));
  let port = requestedPort ?? nextAbove(entries.map((entry) => entry.port));
  if (requestedPort !== undefined && used.has(requestedPort))
    throw new Error(`port ${requestedPort} is already used by a service of the registry`);
  while (used.has(port)) port += 1;
  let managementPort = nextAbove(entries.map((entry) => entry.managementPort));
  while (used.has(managementPort) || managementPort === port) managementPort += 1;
  return { port, managementPort };
}

/**
 * The values file with one more entry at the end of `services:`. The entry
 * (a block of YAML, as rendered from its template) is spliced in where the
 * Document API says the map ends, so every other byte, comments and layout
 * included, stays as it was; the result is parsed again to prove that
 * exactly one entry was added.
 */
export function withRegistryEntry(text: string, file: string, name: string, entryYaml: string): string {
  const document = parseValues(text, file);
  const services = servicesMap(document, file);
  if (services.has(name)) throw new Error(`${file} already has services.${name}`);
  const firstKey = services.items[0]!.key;
  if (!isScalar(firstKey) || !firstKey.range) throw new Error(`${file}: cannot locate services' entries`);
  const indent = ' '.repeat(firstKey.range[0] - text.lastIndexOf('\n', firstKey.range[0] - 1) - 1);
  const body = entryYaml
    .trimEnd()
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : `${indent}  ${line}`))
    .join('\n');
  // The map's range may take in the blank lines after it; they stay after the new entry.
  const end = text.slice(0, services.range![1]).trimEnd().length;
  const updated = `${text.slice(0, end)}\n${indent}${name}:\n${body}${text.slice(end)}`;

  const before = document.toJS() as { services: Record<string, unknown> };
  const after = parseValues(updated, file).toJS() as { services: Record<string, unknown> };
  const { [name]: added, ...others } = after.services;
  const entry: unknown = parseDocument(entryYaml).toJS();
  if (
    !isDeepStrictEqual(added, entry) ||
    !isDeepStrictEqual(others, before.services) ||
    !isDeepStrictEqual({ ...after, services: others }, before)
  )
    throw new Error(`${file}: adding services.${name} would change more than that entry`);
  return updated;
}
