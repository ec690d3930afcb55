import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Summary } from '../../src/report/summary';

const CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  reportDir: string;
  summary(): Summary;
}

/** Runs the built command as an operator would, with only the environment given (and PATH). */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const reportDir = mkdtempSync(join(tmpdir(), 'loadtest-report-'));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, '--report-dir', reportDir, '--progress', 'plain', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) =>
      done({
        code,
        stdout,
        stderr,
        reportDir,
        summary: () => JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8')) as Summary,
      }),
    );
  });
}
