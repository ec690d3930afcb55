/**
 * Every variable that compose or the chart passes to a service must be one its
 * config schema reads, and every variable the schema requires must be passed:
 * a typo in a deployment file then fails CI instead of being ignored at run time.
 */
import { appConfigSchemas, describeVariables } from '@meridian/config';
import { migrationConfigSchema } from '@meridian/database/migration-config';
import { type KubeObject, podTemplateOf } from './kubernetes/manifests';
import { REPO_ROOT } from './toolchain';

/** Every app's schema, found by convention (apps/<app>/src/config.ts); the apps must be built. */
const schemas = appConfigSchemas(REPO_ROOT);

/** An app's name, or its migration command (the same variables for every app). */
export type ConfigTarget = string;

export interface CoverageProblem {
  where: string;
  message: string;
}

const schemaOf = (target: ConfigTarget) =>
  target === 'migrate' ? migrationConfigSchema : schemas.get(target)!;

/**
 * Variables the Node.js runtime reads itself, not the app: the chart sizes V8's
 * heap to the container through NODE_OPTIONS (values.yaml, `heap`).
 */
const RUNTIME_VARIABLES = ['NODE_OPTIONS'];

/** Checks the variable names passed to one process against its schema. */
export function checkVariables(target: ConfigTarget, passed: string[], where: string): CoverageProblem[] {
  const variables = describeVariables(schemaOf(target));
  const known = new Set([
    ...RUNTIME_VARIABLES,
    ...variables.flatMap((variable) =>
      variable.secret ? [variable.name, `${variable.name}_FILE`] : [variable.name],
    ),
  ]);
  const given = new Set(passed);
  return [
    ...passed
      .filter((name) => !known.has(name))
      .map((name) => ({ where, message: `${name} is not a variable of the ${target} config schema` })),
    ...variables
      .filter(
        (variable) => variable.required && !given.has(variable.name) && !given.has(`${variable.name}_FILE`),
      )
      .map((variable) => ({
        where,
        message: `${variable.name} is required by the ${target} config schema but not passed`,
      })),
  ];
}

const APPS: readonly string[] = [...schemas.keys()];

/** The chart: app containers (by component label) and migration Jobs (by their args). */
export function checkChartVariables(objects: KubeObject[]): CoverageProblem[] {
  const configMaps = new Map(
    objects
      .filter((object) => object.kind === 'ConfigMap')
      .map((object) => [object.metadata.name, object.data ?? {}]),
  );
  const problems: CoverageProblem[] = [];
  let checked = 0;
  for (const object of objects) {
    const found = podTemplateOf(object);
    if (!found) continue;
    const component = found.template.metadata?.labels?.['app.kubernetes.io/component'] ?? '';
    for (const container of found.template.spec.containers) {
      const migrates = container.args?.[0] === 'dist/migrate.js';
      const target: ConfigTarget | undefined = migrates
        ? 'migrate'
        : APPS.includes(component)
          ? component
          : undefined;
      if (!target) continue;
      const passed = [
        ...(container.env ?? []).map((variable) => variable.name),
        ...(container.envFrom ?? []).flatMap((source) =>
          Object.keys(configMaps.get(source.configMapRef?.name ?? '') ?? {}),
        ),
      ];
      problems.push(
        ...checkVariables(
          target,
          passed,
          `${object.kind}/${object.metadata.name} container ${container.name}`,
        ),
      );
      checked += 1;
    }
  }
  if (checked === 0) problems.push({ where: 'chart', message: 'no app container was found to check' });
  return problems;
}

interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, unknown> | string[];
  build?: { args?: Record<string, string> | string[] };
}

/** Which app a compose service runs: its build argument APP, and whether it runs the migration command. */
export function composeTarget(service: ComposeService): ConfigTarget | undefined {
  const args = service.build?.args;
  const app = Array.isArray(args) ? args.find((arg) => arg.startsWith('APP='))?.slice(4) : args?.APP;
  if (!app || !APPS.includes(app)) return undefined;
  const command = Array.isArray(service.command) ? service.command : service.command?.split(/\s+/);
  return command?.[0] === 'dist/migrate.js' ? 'migrate' : app;
}

export function checkComposeVariables(services: Record<string, ComposeService>): CoverageProblem[] {
  const problems: CoverageProblem[] = [];
  let checked = 0;
  for (const [name, service] of Object.entries(services)) {
    const target = composeTarget(service);
    if (!target) continue;
    const environment = service.environment ?? {};
    const passed = Array.isArray(environment)
      ? environment.map((entry) => entry.split('=')[0]!)
      : Object.keys(environment);
    problems.push(...checkVariables(target, passed, `compose service ${name}`));
    checked += 1;
  }
  if (checked === 0) problems.push({ where: 'compose', message: 'no app service was found to check' });
  return problems;
}
