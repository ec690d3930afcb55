// `npm run docs:env [-- <app> ...]` (after `npm run build`): rewrites the
// environment tables from the config schema of every app under apps/ (see
// app-schemas.ts), or of the apps named, each in the README that documents
// that app (see envTableReadme).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { appConfigSchema, appConfigSchemas } from '../app-schemas';
import { envTableReadme, withCurrentEnvTables } from '../readme-tables';

const repoRoot = resolve(__dirname, '..', '..', '..', '..');
const named = process.argv.slice(2);
const schemas =
  named.length === 0
    ? appConfigSchemas(repoRoot)
    : new Map(
        named.map((app) => {
          const schema = appConfigSchema(repoRoot, app);
          if (schema === undefined) throw new Error(`apps/${app} exports no ./config`);
          return [app, schema] as const;
        }),
      );
for (const [app, schema] of schemas) {
  const readmePath = envTableReadme(repoRoot, app);
  const readme = readFileSync(readmePath, 'utf8');
  const current = withCurrentEnvTables(readme, new Map([[app, schema]]));
  if (current !== readme) writeFileSync(readmePath, current);
}
