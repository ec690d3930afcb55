import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseReport } from '@meridian/bench/report';
import { databaseNames, loadRegistry, variableName } from '@meridian/service-registry';
import { freePort, httpRequest, query, TEST_DATABASE_URL, TEST_REDIS_URL } from '@meridian/testing';

const STACK = resolve(__dirname, '..', 'dist', 'stack.js');
const registry = loadRegistry();
const services = registry.services.map((service) => service.name);

describe('./meridian up (the local stack)', () => {
  const prefix = `meridian_stack_${randomBytes(4).toString('hex')}`;

  afterAll(async () => {
    for (const service of databaseNames(registry)) {
      await query(TEST_DATABASE_URL, `DROP DATABASE IF EXISTS "${prefix}_${service}" WITH (FORCE)`);
    }
  });

  it('migrates, starts every service of the registry ready, and stops them cleanly on Ctrl-C', async () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      MERIDIAN_POSTGRES_URL: TEST_DATABASE_URL,
      MERIDIAN_DATABASE_PREFIX: prefix,
      MERIDIAN_REDIS_URL: TEST_REDIS_URL,
      MERIDIAN_REDIS_KEY_PREFIX: prefix,
    };
    const managementPorts: number[] = [];
    for (const service of services) {
      env[`MERIDIAN_${variableName(service)}_PORT`] = String(await freePort());
      managementPorts.push(await freePort());
      env[`MERIDIAN_${variableName(service)}_MANAGEMENT_PORT`] = String(managementPorts.at(-1));
    }
    const stack = spawn(process.execPath, [STACK], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    stack.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => stack.once('exit', (code) => done(code)));

    const deadline = Date.now() + 45_000;
    while (!output.includes('stack      ready:') && Date.now() < deadline && stack.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain('stack      ready:');
    for (const port of managementPorts) {
      expect((await httpRequest(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    }
    // Logs are readable lines tagged with the service, not raw JSON.
    expect(output).toMatch(/^ledger\s+\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: ledger started/m);

    stack.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('all services stopped cleanly');
    for (const service of services) {
      expect(output).toMatch(new RegExp(`^${service}\\s+.*shutdown: complete`, 'm'));
    }
  });
});

describe('./meridian measure-startup', () => {
  it('measures every service of the registry on throwaway databases: a table row each, and the same in its JSON report line', () => {
    const result = spawnSync(process.execPath, [resolve(__dirname, '..', 'dist', 'measure-startup.js')], {
      env: { PATH: process.env.PATH ?? '', RUNS: '1', IDLE_MS: '100' },
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const app of services) {
      expect(result.stdout).toMatch(
        new RegExp(`^\\| ${app}\\s+\\| \\d+ ms\\s+\\| \\d+ ms\\s+\\| [\\d.]+ MB\\s+\\|$`, 'm'),
      );
    }
    const report = parseReport(result.stdout);
    expect(report?.bench).toBe('startup');
    expect(report?.tables[0]?.rows.map((row) => row[0]).sort()).toEqual([...services].sort());
  });
});
