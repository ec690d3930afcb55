import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isSecret } from './fields';

export type Environment = Record<string, string | undefined>;

/** Any service schema: an object of fields, possibly wrapped in cross-field rules. */
export type ConfigSchema = z.ZodObject | z.ZodPipe<z.ZodObject> | z.ZodType<object, Environment>;

/** One problem per bad or missing variable, phrased as `NAME: what to fix`. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration for ${service}: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** The object of fields behind a schema, through any refinement wrappers. */
export function fieldsOf(schema: ConfigSchema): Record<string, z.ZodType> {
  let current: z.ZodType = schema as z.ZodType;
  for (;;) {
    if (current instanceof z.ZodObject) return current.shape;
    const def = current._zod.def as { in?: z.ZodType; innerType?: z.ZodType };
    const next = def.in ?? def.innerType;
    if (!next) throw new TypeError('a config schema must be built on z.object');
    current = next;
  }
}

/**
 * Resolves `<NAME>_FILE` for secret fields: the file's content (without the
 * trailing newline) becomes the value. Setting both is an error, since which
 * one wins would be a guess.
 */
function resolveSecretFiles(
  fields: Record<string, z.ZodType>,
  env: Environment,
  problems: Map<string, string>,
): Environment {
  const resolved: Environment = { ...env };
  for (const [name, field] of Object.entries(fields)) {
    if (!isSecret(field)) continue;
    const filePath = env[`${name}_FILE`];
    if (filePath === undefined || filePath === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.set(name, `set either ${name} or ${name}_FILE, not both`);
      continue;
    }
    try {
      resolved[name] = readFileSync(filePath, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.set(name, `cannot read ${name}_FILE ${filePath} (${code})`);
    }
  }
  return resolved;
}

/** Empty strings count as unset, so `PORT=` in a .env file falls back to the default. */
function withoutEmpty(env: Environment): Environment {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
}

/**
 * Parses the environment against a service schema, collecting every problem
 * before failing, so one restart is enough to fix them all.
 */
export function loadConfig<S extends ConfigSchema>(
  service: string,
  schema: S,
  env: Environment = process.env,
): z.output<S> {
  const fields = fieldsOf(schema);
  const problems = new Map<string, string>();
  const input = withoutEmpty(resolveSecretFiles(fields, env, problems));
  const result = (schema as z.ZodType).safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '(config)');
      if (problems.has(name)) continue; // one line per variable
      const field = fields[name];
      const missing = input[name] === undefined;
      const message = missing
        ? 'is required'
        : field && isSecret(field)
          ? safeSecretMessage(issue)
          : issue.message;
      problems.set(name, message);
    }
  }
  if (problems.size > 0) {
    const lines = [...problems].map(([name, message]) => `${name}: ${message}`).sort();
    throw new ConfigError(service, lines);
  }
  return result.data as z.output<S>;
}

/** A secret's problem is described by its kind only; never by anything derived from the value. */
function safeSecretMessage(issue: z.core.$ZodIssue): string {
  return issue.code === 'custom' || issue.code === 'too_small' || issue.code === 'too_big'
    ? issue.message
    : 'has an invalid format';
}

/**
 * For `main.ts`: load the config or end the process with one line per problem
 * on stderr and exit code 78 (EX_CONFIG), before anything else starts.
 */
export function loadConfigOrExit<S extends ConfigSchema>(
  service: string,
  schema: S,
  env: Environment = process.env,
): z.output<S> {
  try {
    return loadConfig(service, schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = [
      `${service}: invalid configuration (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}):`,
      ...error.problems.map((problem) => `  ${problem}`),
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
    process.exit(78);
  }
}
