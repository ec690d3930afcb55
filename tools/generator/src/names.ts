/**
 * A service's name and the forms it takes: `fraud-check` is the app folder,
 * registry key, Kubernetes component and database; `FRAUD_CHECK` prefixes
 * environment variables; `FraudCheck` and `fraudCheck` name classes and
 * values; `fraud_check` names migrations.
 */
export interface ServiceNames {
  name: string;
  pascal: string;
  camel: string;
  upper: string;
  snake: string;
}

/** Lower-case words joined by single hyphens; short enough for `<release>-<name>-migrate` to stay a valid object name. */
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_LENGTH = 30;

/**
 * Names a service may not take because something else of the stack already
 * answers to them: the chart's own components, the local stack's datastores
 * and observability services, and words the tools give a meaning.
 */
export const RESERVED_NAMES = new Set([
  'datastores',
  'generator',
  'grafana',
  'jaeger',
  'meridian',
  'migrations',
  'network',
  'node-modules',
  'otel-collector',
  'postgres',
  'postgresql',
  'prometheus',
  'redis',
  'redis-cache',
  'secrets',
  'shared',
  'test',
]);

export function serviceNames(name: string): ServiceNames {
  const words = name.split('-');
  const capitalised = words.map((word) => word[0]!.toUpperCase() + word.slice(1));
  return {
    name,
    pascal: capitalised.join(''),
    camel: words[0]! + capitalised.slice(1).join(''),
    upper: words.join('_').toUpperCase(),
    snake: words.join('_'),
  };
}

/**
 * Why `name` cannot name a new service, or null when it can. `taken` holds
 * the names already in use: registry entries and every workspace's folder and
 * package name.
 */
export function nameProblem(name: string, taken: ReadonlySet<string>): string | null {
  if (!NAME.test(name))
    return `"${name}" must be lower-case letters and digits, words joined by single hyphens, starting with a letter`;
  if (name.length > MAX_LENGTH) return `"${name}" is longer than ${MAX_LENGTH} characters`;
  if (RESERVED_NAMES.has(name)) return `"${name}" is reserved: the stack already has something by that name`;
  if (name.endsWith('-migrate')) return `"${name}" is reserved: <service>-migrate names migration jobs`;
  if (taken.has(name)) return `"${name}" is taken: a service or workspace of that name exists`;
  return null;
}
