import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seeded, TEST_DATABASE_URL, TEST_REDIS_URL, testSeed } from '@meridian/testing';

const CHAOS = resolve(__dirname, '..', 'dist', 'chaos', 'cli.js');

/** One row of the printed table, by its columns. */
interface Row {
  fault: string;
  operations: number;
  failedAfterRetries: number;
  sigtermExits: string;
  audit: string;
}

function rowsOf(table: string): Row[] {
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| fault') && !line.startsWith('| ---'))
    .map((line) => {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return {
        fault: cells[0]!,
        operations: Number(cells[1]),
        failedAfterRetries: Number(cells[3]),
        sigtermExits: cells[7]!,
        audit: cells[8]!,
      };
    });
}

describe(seeded('./meridian chaos (short profile)'), () => {
  const seed = testSeed();
  const logs = mkdtempSync(join(tmpdir(), 'meridian-chaos-test-'));

  afterAll(() => rmSync(logs, { recursive: true, force: true }));

  it('restarts each app replica by replica, SIGKILLs one replica of each, restarts Redis and terminates the PostgreSQL connections under load: no transfer fails after retries with its key, every SIGTERM exits 0, every audit passes', async () => {
    const chaos = spawn(
      process.execPath,
      [CHAOS, '--profile', 'short', '--seed', String(seed), '--log-file', join(logs, 'stack.log')],
      {
        env: {
          PATH: process.env.PATH ?? '',
          MERIDIAN_POSTGRES_URL: TEST_DATABASE_URL,
          MERIDIAN_REDIS_URL: TEST_REDIS_URL,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    chaos.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    chaos.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => chaos.once('exit', (c) => done(c)));

    const context = `seed ${seed}\n${stderr}\n${stdout}`;
    const rows = rowsOf(stdout);
    expect({ faults: rows.map((r) => r.fault), context }).toEqual({
      faults: [
        'rolling restart of api',
        'rolling restart of ledger',
        'rolling restart of settlement',
        'SIGKILL of a api replica',
        'SIGKILL of a ledger replica',
        'SIGKILL of a settlement replica',
        'Redis restart (2 s down)',
        'PostgreSQL backends terminated',
      ],
      context,
    });
    for (const row of rows) {
      expect({ row, context }).toMatchObject({ row: { failedAfterRetries: 0, audit: 'passed' } });
      expect(row.operations).toBeGreaterThan(0);
      if (row.fault.startsWith('rolling restart')) expect(row.sigtermExits).toBe('0, 0');
    }
    expect(stdout).toMatch(/Final audit \(.*\): passed\./);
    expect({ code, context }).toEqual({ code: 0, context });
  }, 600_000);
});
