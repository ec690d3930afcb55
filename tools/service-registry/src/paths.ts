import { join, resolve } from 'node:path';

/** The repository this package is in (src/ and dist/ are both one level down). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Where the registry is: the `services:` map of the chart's default values. */
export const REGISTRY_FILE = join(REPO_ROOT, 'deploy', 'helm', 'meridian', 'values.yaml');
