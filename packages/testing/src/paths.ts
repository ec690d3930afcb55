import { resolve } from 'node:path';

/** The repository root (this file lives in packages/testing/dist). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** A compiled entry point of an app; services run as their bundle (`dist/main.bundle.js`), as in the image. */
export const appEntry = (app: string, entry = 'main.bundle.js'): string =>
  resolve(REPO_ROOT, 'apps', app, 'dist', entry);
