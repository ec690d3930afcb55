import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { logFormatter } from './pretty-logs';
import {
  databaseServicesOf,
  ensureDatabase,
  localStackSettings,
  serviceEnvironments,
  startOrderOf,
} from './local-stack';

/**
 * `./meridian up`: creates and migrates the local databases, starts every
 * service of the registry (callees first) with readable logs, and stops them
 * cleanly on Ctrl-C (a second Ctrl-C forces them).
 */

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const entry = (service: string, file = 'main.js') => resolve(REPO_ROOT, 'apps', service, 'dist', file);
const colour = process.stdout.isTTY === true;
const say = (message: string) => process.stdout.write(`${'stack'.padEnd(10)} ${message}\n`);

function run(service: string, file: string, env: Record<string, string>, position: number): ChildProcess {
  // Own process group: a terminal's Ctrl-C reaches only this runner, which
  // forwards exactly one signal, so services see one SIGINT, not two.
  const child = spawn(process.execPath, [entry(service, file)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const format = logFormatter(service, colour, position);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${format(line)}\n`));
  }
  return child;
}

const exitOf = (child: ChildProcess) =>
  new Promise<number>((done) => {
    if (child.exitCode !== null) done(child.exitCode);
    else child.once('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });

/** Polls /health/ready on the service's management port. */
async function waitReady(managementPort: number, child: ChildProcess, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${managementPort}/health/ready`, {
        signal: AbortSignal.timeout(1_000),
      });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function main(): Promise<void> {
  const settings = localStackSettings();
  const environments = serviceEnvironments(settings);
  const names = settings.registry.services.map((service) => service.name);
  const start = (service: string, file: string) =>
    run(service, file, environments[service]!, names.indexOf(service));
  const children = new Map<string, ChildProcess>();
  let stopping = 0;

  const stop = (signal: NodeJS.Signals) => {
    stopping++;
    say(
      stopping === 1
        ? `${signal}: stopping services (again to force)`
        : `${signal}: forcing services to stop`,
    );
    for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  for (const service of databaseServicesOf(settings)) {
    if (await ensureDatabase(settings, service)) say(`created database ${service}`);
    const migration = start(service, 'migrate.js');
    if ((await exitOf(migration)) !== 0) throw new Error(`migrating ${service} failed`);
  }

  for (const service of startOrderOf(settings)) {
    if (stopping) break;
    children.set(service, start(service, 'main.js'));
  }
  const ready = await Promise.all(
    [...children].map(([service, child]) => waitReady(settings.managementPorts[service]!, child)),
  );
  if (!stopping) {
    if (ready.every(Boolean)) {
      const { ports, managementPorts } = settings;
      const each = (port: Record<string, number>) =>
        [...children.keys()].map((service) => `${service} http://127.0.0.1:${port[service]}`).join('  ');
      say(`ready: ${each(ports)}  (Ctrl-C stops)`);
      say(`management (probes, /metrics, /admin): ${each(managementPorts)}`);
    } else {
      say('a service did not become ready; stopping');
      stop('SIGTERM');
    }
  }

  const codes = await Promise.all([...children.values()].map(exitOf));
  const failed = [...children.keys()].filter((_, i) => codes[i] !== 0);
  say(failed.length === 0 ? 'all services stopped cleanly' : `stopped with errors: ${failed.join(', ')}`);
  process.exitCode = failed.length === 0 && ready.every(Boolean) ? 0 : 1;
}

main().catch((error: unknown) => {
  say(`failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
