// `npm run docs:env`: rewrites the README's environment tables from the schemas.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withCurrentEnvTables } from '../readme-tables';

const readmePath = resolve(__dirname, '..', '..', '..', '..', 'README.md');
writeFileSync(readmePath, withCurrentEnvTables(readFileSync(readmePath, 'utf8')));
