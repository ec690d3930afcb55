// `npm run docs:env` (after `npm run build`): rewrites the README's environment
// tables from the config schema of every app under apps/ (see app-schemas.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { appConfigSchemas } from '../app-schemas';
import { withCurrentEnvTables } from '../readme-tables';

const repoRoot = resolve(__dirname, '..', '..', '..', '..');
const readmePath = resolve(repoRoot, 'README.md');
writeFileSync(readmePath, withCurrentEnvTables(readFileSync(readmePath, 'utf8'), appConfigSchemas(repoRoot)));
