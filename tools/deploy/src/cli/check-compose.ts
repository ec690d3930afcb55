/**
 * `./meridian check-compose`: brings docker/compose.yaml's core profile up for
 * real (the datastores, the migrations, every service of the registry) from the
 * images `./meridian images` built, and checks what a user of the stack relies on:
 *   1. every healthcheck turns healthy and every migration exits 0 (`up --wait`);
 *   2. each service's container runs as uid 65532 on a read-only root filesystem
 *      with every capability dropped and no-new-privileges, read from its running
 *      process (/proc/1/status), not only from its configuration;
 *   3. transfers through the api succeed and the money adds up: the load-test
 *      image (meridian-loadtest:local) runs a short load with its audit against
 *      the api, on the stack's network;
 *   4. `docker compose down` stops every service with exit code 0 (graceful
 *      shutdown), and exits 0 itself.
 * The stack runs as its own compose project with no published ports, so it
 * never meets a stack or a database already on this machine. PostgreSQL and
 * Redis images: MERIDIAN_POSTGRES_IMAGE and MERIDIAN_REDIS_IMAGE when set (the
 * stand-ins of scripts/ensure-stand-in-images.sh), else compose's pins.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServiceNames, loadRegistry } from '@meridian/service-registry';
import { docker, dockerResult, dockerStreamed, inspect } from '../docker/engine';
import { type ComposeConfig, composeOverride } from '../docker/compose-override';
import { localTag } from '../docker/image-build';
import {
  containerProblems,
  type ContainerSettings,
  PROCESS_PROBE,
  type RunningProcess,
} from '../docker/image-rules';
import { REPO_ROOT } from '../toolchain';

const COMPOSE_FILE = join(REPO_ROOT, 'docker', 'compose.yaml');

interface ComposeContainer {
  ID: string;
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}

class ComposeProject {
  readonly name = `meridian-check-${randomBytes(3).toString('hex')}`;
  private readonly folder = mkdtempSync(join(tmpdir(), 'meridian-compose-'));
  private readonly override = join(this.folder, 'override.yaml');
  readonly env = { ...process.env, COMPOSE_PROFILES: 'core' };

  args(...rest: string[]): string[] {
    return ['compose', '--project-name', this.name, '--file', COMPOSE_FILE, '--file', this.override, ...rest];
  }

  /** The core profile as compose resolves it, with the override once it is written. */
  config({ withOverride = true } = {}): ComposeConfig {
    const args = withOverride
      ? this.args('config', '--format', 'json')
      : ['compose', '--project-name', this.name, '--file', COMPOSE_FILE, 'config', '--format', 'json'];
    return JSON.parse(docker(args, this.env)) as ComposeConfig;
  }

  writeOverride(config: ComposeConfig): void {
    const engineApi = docker(['version', '--format', '{{.Server.APIVersion}}']).trim();
    const override = composeOverride(config, engineApi, {
      postgres: process.env.MERIDIAN_POSTGRES_IMAGE,
      redis: process.env.MERIDIAN_REDIS_IMAGE,
      'redis-cache': process.env.MERIDIAN_REDIS_IMAGE,
    });
    writeFileSync(this.override, override);
  }

  containers(): ComposeContainer[] {
    const output = docker(this.args('ps', '--all', '--format', 'json'), this.env).trim();
    if (output.startsWith('[')) return JSON.parse(output) as ComposeContainer[];
    return output
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ComposeContainer);
  }

  printLogs(): void {
    const logs = dockerResult(this.args('logs', '--no-color', '--tail', '60'), this.env);
    console.error(logs.stdout + logs.stderr);
  }

  async down(): Promise<number> {
    const status = await dockerStreamed(this.args('down', '--volumes', '--remove-orphans'), this.env);
    rmSync(this.folder, { recursive: true, force: true });
    return status;
  }
}

/**
 * Waits for each container's removal through the engine's API; `exitCodes` resolves to
 * their exit codes. Resolves once the engine has answered every wait request's headers,
 * so a `down` started afterwards cannot stop and remove a container unseen. (An object,
 * not a bare promise: an async function's result would adopt it and wait for removal.)
 */
async function exitCodesOnRemoval(ids: string[]): Promise<{ exitCodes: Promise<number[]> }> {
  // The engine the docker CLI talks to: DOCKER_HOST, else the current context's endpoint.
  const host =
    process.env.DOCKER_HOST ??
    docker(['context', 'inspect', '--format', '{{.Endpoints.docker.Host}}']).trim();
  if (!host.startsWith('unix://'))
    throw new Error(`docker endpoint ${host}: only a unix socket is supported here`);
  const socketPath = host.slice('unix://'.length);
  const waits = await Promise.all(
    ids.map(
      (id) =>
        new Promise<{ exit: Promise<number> }>((attached, fail) => {
          const request = httpRequest(
            { socketPath, method: 'POST', path: `/containers/${id}/wait?condition=removed` },
            (response) => {
              let body = '';
              response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
              attached({
                exit: new Promise((done, failed) => {
                  response.once('end', () => {
                    const answer = JSON.parse(body) as { StatusCode?: number; message?: string };
                    if (typeof answer.StatusCode === 'number') done(answer.StatusCode);
                    else failed(new Error(`waiting for ${id}: ${answer.message ?? body}`));
                  });
                  response.once('error', failed);
                }),
              });
            },
          );
          request.once('error', fail);
          request.end();
        }),
    ),
  );
  return { exitCodes: Promise.all(waits.map((wait) => wait.exit)) };
}

/** `apps`: the compose services that run the registry's apps (each replica of a StatefulSet: ledger-0, ...). */
function checkRunning(project: ComposeProject, config: ComposeConfig, apps: string[]): string[] {
  const problems: string[] = [];
  const containers = project.containers();
  for (const service of Object.keys(config.services)) {
    const container = containers.find((candidate) => candidate.Service === service);
    if (!container) {
      problems.push(`${service}: no container`);
    } else if (service.endsWith('-migrate')) {
      if (container.State !== 'exited' || container.ExitCode !== 0) {
        problems.push(
          `${service}: ${container.State}, exit code ${container.ExitCode} (a migration must exit 0)`,
        );
      }
    } else if (
      container.State !== 'running' ||
      (config.services[service]!.healthcheck && container.Health !== 'healthy')
    ) {
      problems.push(`${service}: ${container.State}, health ${container.Health || 'none'}`);
    }
  }
  for (const app of apps) {
    const container = containers.find((candidate) => candidate.Service === app);
    if (!container) continue;
    const settings = inspect<ContainerSettings>(container.ID, 'container');
    const running = JSON.parse(
      docker(['exec', container.ID, '/nodejs/bin/node', '-e', PROCESS_PROBE]),
    ) as RunningProcess;
    problems.push(...containerProblems(app, settings, running));
    console.log(
      `[${app}] uid ${running.uid}, no capabilities, no_new_privs, root filesystem ${running.rootFilesystem}, /tmp writable`,
    );
  }
  return problems;
}

/** A short load with the money audit, from the load-test image on the stack's network. */
async function checkTransfers(
  config: ComposeConfig,
  api: { name: string; port: number; managementPort: number },
) {
  const network = config.networks.default?.name;
  const adminToken = config.services[api.name]?.environment?.ADMIN_TOKEN;
  if (!network || !adminToken)
    throw new Error('compose config has no default network or no ADMIN_TOKEN for the api');
  const status = await dockerStreamed([
    'run',
    '--rm',
    '--network',
    network,
    '--env',
    `LOADTEST_ADMIN_TOKEN=${adminToken}`,
    localTag('loadtest'),
    'dist/cli.js',
    '--target',
    `http://${api.name}:${api.port}`,
    '--admin-url',
    `http://${api.name}:${api.managementPort}`,
    '--rate',
    '5',
    '--duration',
    '6s',
    '--tenants',
    '2',
    '--seed',
    '20261202',
    // Correctness, not speed: this machine's latency is no one's threshold.
    '--threshold',
    'error_rate<0.1%',
    // ...and transfers did complete: a run of nothing has no errors either.
    '--threshold',
    'transfer:throughput>0/s',
    '--report-dir',
    '/tmp/loadtest-report',
    '--progress',
    'plain',
  ]);
  return status === 0
    ? []
    : [`the load test through the api exited ${status} (1 threshold, 2 audit, 69 unreachable)`];
}

async function main() {
  const registry = loadRegistry();
  const images = registry.services.map((service) => service.name);
  // The compose services that run them: one per app, one per replica of a StatefulSet (ledger-0, ...).
  const apps = registry.services.flatMap(composeServiceNames);
  const publicApi = registry.services.find((service) => service.public);
  if (!publicApi) throw new Error('the services registry has no public service');
  for (const image of [...images, 'loadtest']) {
    if (dockerResult(['image', 'inspect', localTag(image)]).status !== 0) {
      throw new Error(`${localTag(image)} is missing: run ./meridian images first`);
    }
  }

  const project = new ComposeProject();
  project.writeOverride(project.config({ withOverride: false }));
  const config = project.config();
  console.log(`### compose project ${project.name}: ${Object.keys(config.services).join(', ')}`);
  const problems: string[] = [];
  let stopped = false;
  // Ctrl-C or a CI timeout: the project's containers and volumes go with it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: docker compose down`);
      void project.down().finally(() => process.exit(130));
    });
  }
  try {
    const up = await dockerStreamed(
      project.args('up', '--detach', '--no-build', '--wait', '--wait-timeout', '300'),
      project.env,
    );
    if (up !== 0) problems.push(`docker compose up --wait exited ${up}`);
    problems.push(...checkRunning(project, config, apps));
    if (problems.length === 0) {
      console.log(`\n### transfers through ${publicApi.name}: the load-test image, with its audit`);
      problems.push(...(await checkTransfers(config, publicApi)));
    }

    const running = project
      .containers()
      .filter((container) => apps.includes(container.Service) && container.State === 'running');
    if (problems.length > 0) project.printLogs();
    // Registered before `down` stops them: each service's exit code, as it stops.
    const { exitCodes } = await exitCodesOnRemoval(running.map((container) => container.ID));
    // Handled now, read after down: a failed wait must not end the process in the middle of down.
    const exitCodesOrError = exitCodes.catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    console.log('\n### docker compose down');
    const down = await project.down();
    stopped = true;
    if (down !== 0) problems.push(`docker compose down exited ${down}`);
    for (const app of apps) {
      if (!running.some((container) => container.Service === app))
        problems.push(`${app}: was not running at down`);
    }
    const codes = await exitCodesOrError;
    if (codes instanceof Error) throw codes;
    codes.forEach((code, index) => {
      const service = running[index]!.Service;
      if (code !== 0) problems.push(`${service}: exited ${code} on docker compose down, not 0`);
      else console.log(`[${service}] exited 0 on docker compose down`);
    });
  } finally {
    if (!stopped) {
      project.printLogs();
      await project.down();
    }
  }
  if (problems.length > 0) {
    console.error(`\ncompose core stack:\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }
  console.log('\ncompose core stack: healthy, migrated, hardened, moved money, stopped with exit code 0');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
