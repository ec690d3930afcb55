import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ConfigSchema } from './load';

/** The subpath an app's package.json exports its config module under. */
const CONFIG_EXPORT = './config';

interface AppManifest {
  exports?: Record<string, string | { default?: string }>;
}

const load = createRequire(__filename);

/**
 * One app's config schema, found by convention: `apps/<app>/package.json`
 * exports `./config` (its `src/config.ts`, built), a module exporting
 * `configSchema`. Undefined when the app exports no config; the app must be
 * built first.
 */
export function appConfigSchema(repoRoot: string, app: string): ConfigSchema | undefined {
  const folder = join(repoRoot, 'apps', app);
  const manifestPath = join(folder, 'package.json');
  if (!existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as AppManifest;
  const target = manifest.exports?.[CONFIG_EXPORT];
  const file = typeof target === 'string' ? target : target?.default;
  if (file === undefined) return undefined;
  const path = join(folder, file);
  if (!existsSync(path)) throw new Error(`${path} does not exist: build ${app} first (npm run build)`);
  const { configSchema } = load(path) as { configSchema?: ConfigSchema };
  if (configSchema === undefined) throw new Error(`apps/${app}/src/config.ts must export configSchema`);
  return configSchema;
}

/**
 * Every app's config schema by app name (the folder under apps/), so that
 * documentation and deployment checks cover a new app without a list to edit.
 */
export function appConfigSchemas(repoRoot: string): Map<string, ConfigSchema> {
  const schemas = new Map<string, ConfigSchema>();
  for (const app of readdirSync(join(repoRoot, 'apps')).sort()) {
    const schema = appConfigSchema(repoRoot, app);
    if (schema) schemas.set(app, schema);
  }
  return schemas;
}
