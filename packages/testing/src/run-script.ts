import { spawn } from 'node:child_process';
import { appEntry } from './paths';

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a one-shot entry of an app (e.g. `migrate.js`) to completion. */
export function runAppScript(app: string, entry: string, env: Record<string, string>, args: string[] = []) {
  return new Promise<ScriptResult>((resolve, reject) => {
    const child = spawn(process.execPath, [appEntry(app, entry), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Applies an app's migrations to a database, failing loudly if that fails. */
export async function migrate(app: string, databaseUrl: string): Promise<void> {
  const result = await runAppScript(app, 'migrate.js', { DATABASE_URL: databaseUrl });
  if (result.code !== 0)
    throw new Error(`migrating ${app} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
}
