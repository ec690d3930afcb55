import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SERVICE_NAME = 'settlement';

/** The version in this app's package.json, which ships beside dist/ in every image. */
export const SERVICE_VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** schema.prisma and migrations/, shipped beside dist/. */
export const PRISMA_DIR = join(__dirname, '..', 'prisma');
