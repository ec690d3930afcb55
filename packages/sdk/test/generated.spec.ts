import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('src/generated/openapi.ts', () => {
  it('is what openapi-typescript makes of apps/api/openapi.json (run `npm run generate -w @meridian/sdk`)', () => {
    const run = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'generate.mjs'), '--check'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
