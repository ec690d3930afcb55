import { logFormatter } from './pretty-logs';
import { localStackSettings } from './local-stack';
import { type Replica, replicaName, RunningStack } from './running-stack';

/**
 * `./meridian up`: creates and migrates the local databases, starts every
 * service of the registry (callees first; MERIDIAN_REPLICAS=N runs N of each
 * behind a readiness-aware balancer) with readable logs, and stops them
 * cleanly on Ctrl-C (a second Ctrl-C forces them).
 */

const colour = process.stdout.isTTY === true;
const say = (message: string) => process.stdout.write(`${'stack'.padEnd(10)} ${message}\n`);

async function main(): Promise<void> {
  const settings = localStackSettings();
  const names = settings.registry.services.map((service) => service.name);
  const formatters = new Map<string, (line: string) => string>();
  const output = (replica: Replica, line: string) => {
    const tag = settings.replicas[replica.service]! > 1 ? replicaName(replica) : replica.service;
    let format = formatters.get(tag);
    if (!format) formatters.set(tag, (format = logFormatter(tag, colour, names.indexOf(replica.service))));
    process.stdout.write(`${format(line)}\n`);
  };

  let stack: RunningStack | undefined;
  let stopping = 0;
  const stop = (signal: NodeJS.Signals) => {
    stopping++;
    say(
      stopping === 1
        ? `${signal}: stopping services (again to force)`
        : `${signal}: forcing services to stop`,
    );
    stack?.signalAll(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  let ready = true;
  try {
    stack = await RunningStack.start(settings, output);
  } catch (error) {
    say(`${(error as Error).message}; stopping`);
    ready = false;
  }
  if (!stack) {
    process.exitCode = 1;
    return;
  }
  if (stopping) stack.signalAll('SIGTERM');
  else {
    const each = (port: Record<string, number>) =>
      stack.services.map((service) => `${service} http://127.0.0.1:${port[service]}`).join('  ');
    say(`ready: ${each(settings.ports)}  (Ctrl-C stops)`);
    say(`management (probes, /metrics, /admin): ${each(settings.managementPorts)}`);
    const replicated = stack.services.filter((service) => settings.replicas[service]! > 1);
    if (replicated.length > 0)
      say(`balanced over ${replicated.map((s) => `${settings.replicas[s]} ${s}`).join(', ')} replicas`);
  }

  const codes = await stack.exits();
  const failed = stack.all.filter((_, i) => codes[i] !== 0).map((r) => `${r.service}-${r.index}`);
  await stack.stop();
  say(failed.length === 0 ? 'all services stopped cleanly' : `stopped with errors: ${failed.join(', ')}`);
  process.exitCode = failed.length === 0 && ready ? 0 : 1;
}

main().catch((error: unknown) => {
  say(`failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
