import { resolve } from 'node:path';

/** The repository root (this file lives in packages/testing/dist). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export const appEntry = (app: string, entry = 'main.js'): string =>
  resolve(REPO_ROOT, 'apps', app, 'dist', entry);
