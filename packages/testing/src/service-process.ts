import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { withServiceHeap } from './node-options';
import { appEntry } from './paths';

export type LogLine = Record<string, unknown> & { level?: string; message?: string };

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from spawn to exit. */
  elapsedMs: number;
}

/** A free TCP port on 127.0.0.1 (for services that must know their port up front). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * `count` distinct free TCP ports on 127.0.0.1. All are held open until every
 * one is known: asked one after another, the system may hand out a port it
 * has just freed again (a service given the same PORT and MANAGEMENT_PORT).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One of our services as a real child process: `node apps/<app>/dist/main.bundle.js`
 * with exactly the environment given (plus PATH), its stdout parsed as JSON
 * log lines.
 */
export class ServiceProcess {
  readonly stdoutLines: string[] = [];
  readonly stderrLines: string[] = [];
  readonly exited: Promise<ExitResult>;
  readonly startedAt = Date.now();
  #child: ChildProcess;
  /** Unknown until logged when the service was asked to pick it (MANAGEMENT_PORT=0). */
  #managementPort: number | undefined;

  private constructor(
    readonly app: string,
    readonly port: number,
    managementPort: number,
    child: ChildProcess,
  ) {
    this.#child = child;
    this.#managementPort = managementPort === 0 ? undefined : managementPort;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal, elapsedMs: Date.now() - this.startedAt }));
    });
    forEachLine(child.stdout!, (line) => this.stdoutLines.push(line));
    forEachLine(child.stderr!, (line) => this.stderrLines.push(line));
  }

  /**
   * Starts the service; PORT and MANAGEMENT_PORT are chosen free unless given.
   * With `MANAGEMENT_PORT: '0'` the service picks its own, learnt from its
   * `listening` log line (which needs LOG_LEVEL info or lower).
   */
  static async start(
    app: string,
    env: Record<string, string>,
    entry = 'main.bundle.js',
  ): Promise<ServiceProcess> {
    const free = await freePorts(2);
    const port = env.PORT ? Number(env.PORT) : free[0]!;
    // Distinct from PORT even when PORT was given and happens to be one of the free ones.
    const managementPort = env.MANAGEMENT_PORT
      ? Number(env.MANAGEMENT_PORT)
      : free.find((candidate) => candidate !== port)!;
    const child = spawn(process.execPath, [appEntry(app, entry)], {
      env: withServiceHeap({
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        ...env,
        PORT: String(port),
        MANAGEMENT_PORT: String(managementPort),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(app, port, managementPort, child);
  }

  /** The public listener: the service's own API. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The management listener: probes, /metrics and the api's /admin. */
  get managementPort(): number {
    this.#managementPort ??= this.#loggedManagementPort();
    if (this.#managementPort === undefined)
      throw new Error(`${this.app} has not logged the management port it picked (yet)`);
    return this.#managementPort;
  }

  get managementUrl(): string {
    return `http://127.0.0.1:${this.managementPort}`;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Every stdout line, parsed; a line that is not JSON fails the test that reads it. */
  logs(): LogLine[] {
    return this.stdoutLines.map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`${this.app} wrote a non-JSON line to stdout: ${line}`);
      }
    });
  }

  output(): string {
    return [...this.stdoutLines, ...this.stderrLines].join('\n');
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Polls until a management `path` (a probe) answers `status` (default 200), or fails after `timeoutMs`. */
  async waitFor(path: string, status = 200, timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.#child.exitCode !== null) throw new Error(`${this.app} exited early:\n${this.output()}`);
      try {
        const response = await fetch(`${this.managementUrl}${path}`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status === status) return Date.now() - this.startedAt;
        last = `status ${response.status}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(50);
    }
    throw new Error(
      `${this.app} ${path} did not answer ${status} within ${timeoutMs} ms (last: ${last})\n${this.output()}`,
    );
  }

  waitUntilReady(timeoutMs?: number): Promise<number> {
    return this.waitFor('/health/ready', 200, timeoutMs);
  }

  #loggedManagementPort(): number | undefined {
    for (const line of this.stdoutLines) {
      const logged = /"managementPort":(\d+)/.exec(line)?.[1];
      if (logged) return Number(logged);
    }
    return undefined;
  }

  /** Resolves with the first log line that matches. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.logs().find(match);
      if (found) return found;
      await sleep(25);
    }
    throw new Error(`${this.app}: no matching log line within ${timeoutMs} ms\n${this.output()}`);
  }

  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`) if it still runs. */
  async stop(graceMs = 10_000): Promise<ExitResult> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
      const result = await this.exited;
      clearTimeout(timer);
      return result;
    }
    return this.exited;
  }
}

/** Calls `onLine` with each non-blank line a process writes to the stream, the last one included. */
export function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  });
  stream.on('end', () => {
    if (pending.trim() !== '') onLine(pending);
  });
}
