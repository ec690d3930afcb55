import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { variablesTable } from './document';
import type { ConfigSchema } from './load';

const START = (service: string) => `<!-- env-table:${service}:start -->`;
const END = (service: string) => `<!-- env-table:${service}:end -->`;

/** The text between a service's `env-table` markers in a README. */
export function envTableOf(readme: string, service: string): string {
  const start = readme.indexOf(START(service));
  const end = readme.indexOf(END(service));
  if (start === -1 || end === -1 || end < start)
    throw new Error(`README lacks the ${service} env-table markers`);
  return readme.slice(start + START(service).length, end).trim();
}

/**
 * Rewrites the environment tables in a README (between `env-table` markers)
 * from the config schemas, so the documentation cannot drift from the code.
 * Returns the text unchanged when it is already current.
 */
export function withCurrentEnvTables(readme: string, schemas: ReadonlyMap<string, ConfigSchema>): string {
  let text = readme;
  for (const [service, schema] of schemas) {
    envTableOf(text, service); // throws when the markers are missing
    const start = text.indexOf(START(service)) + START(service).length;
    text = `${text.slice(0, start)}\n${variablesTable(schema)}\n${text.slice(text.indexOf(END(service)))}`;
  }
  return text;
}

/**
 * The README that documents an app's environment: the app's own
 * (`apps/<app>/README.md`, as a generated service has) when it holds the
 * app's markers, else the repository's.
 */
export function envTableReadme(repoRoot: string, app: string): string {
  const own = join(repoRoot, 'apps', app, 'README.md');
  return existsSync(own) && readFileSync(own, 'utf8').includes(START(app))
    ? own
    : join(repoRoot, 'README.md');
}
