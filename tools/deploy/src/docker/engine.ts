/**
 * The Docker CLI, as the image and compose checks call it: every command's
 * output captured, and a failure thrown with what the command printed.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface DockerResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `docker <args>` and returns what it printed, whatever its exit code. */
export function dockerResult(args: string[], env: NodeJS.ProcessEnv = process.env): DockerResult {
  const result = spawnSync('docker', args, { encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `docker <args>` and returns its standard output; throws when it exits non-zero. */
export function docker(args: string[], env?: NodeJS.ProcessEnv): string {
  const result = dockerResult(args, env);
  if (result.status !== 0) {
    throw new Error(`docker ${args.join(' ')} exited ${result.status}:\n${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/** Runs `docker <args>` with its output on this process's, for long commands (builds, compose up). */
export function dockerStreamed(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? -1));
  });
}

/** `docker inspect` of one object. */
export function inspect<T>(reference: string, type: 'image' | 'container'): T {
  const [first] = JSON.parse(docker([type, 'inspect', reference])) as T[];
  if (first === undefined) throw new Error(`docker ${type} inspect ${reference} returned nothing`);
  return first;
}
