import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVICE_NAME = 'api';

/** The app's folder (apps/api): tsc's modules in dist/ and the bundle (dist/main.bundle.js) alike find files from it. */
export const APP_DIR = join(__dirname, '..');

/** The version in this app's package.json, which ships beside dist/ in every image. */
export const SERVICE_VERSION: string = (
  JSON.parse(readFileSync(join(APP_DIR, 'package.json'), 'utf8')) as { version: string }
).version;

/** schema.prisma and migrations/, shipped beside dist/. */
export const PRISMA_DIR = join(APP_DIR, 'prisma');
