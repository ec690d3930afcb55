// Runs `prisma generate` for the workspace it is called from, offline.
//
// The Prisma CLI wants to download its native schema engine even though
// `generate` never runs it; naming any existing file in
// PRISMA_SCHEMA_ENGINE_BINARY stops the download. Prisma Client itself needs
// no engine: it runs on the pg driver adapter.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(`${process.cwd()}/package.json`);
const prismaCli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [prismaCli, 'generate'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(import.meta.url),
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
process.exit(result.status ?? 1);
