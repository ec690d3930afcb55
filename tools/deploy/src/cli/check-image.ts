/**
 * `npm run check:image -- [<image> ...]`: for the images named, or every one
 * when none is (each service of the registry, then each tool of TOOL_IMAGES),
 * builds the image the way docker/Dockerfile does, stage by stage, without a
 * Docker engine. A service's image then runs its migration command and its CMD
 * against a throwaway database and Redis prefix, answers /health/ready on its
 * management port, and stops with SIGTERM. A tool's image (the `tool` target)
 * runs its CMD with --help, which must exit 0.
 *
 * Fails when a stage's command fails, when a development dependency reaches the
 * runtime stage, when the runtime stage is not distroless, non-root and
 * exec-form, or when the app does not become ready (the tool does not answer).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { appConfigSchemas, describeVariables } from '@meridian/config';
import { loadRegistry, type Registry, serviceEnvironment } from '@meridian/service-registry';
import { createRedisNamespace, createTestDatabase, freePort, httpRequest } from '@meridian/testing';
import { installedPackages, reproduceImage, type ReproducedImage } from '../dockerfile/reproduce';
import { TOOL_IMAGES, TOOL_TARGET } from '../images';

const REPO = resolve(__dirname, '..', '..', '..', '..');
/** Every app's config schema (apps/<app>/src/config.ts, built). */
const schemas = appConfigSchemas(REPO);
const RUNTIME_IMAGE = 'gcr.io/distroless/nodejs24-debian13:nonroot';
const REQUIRED_LABELS = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.source',
  'org.opencontainers.image.licenses',
  'org.opencontainers.image.version',
  'org.opencontainers.image.revision',
];
/**
 * Packages that exist only to build or test; none may reach an image (redoc's
 * one bundle is copied into the api's dist/ at build time).
 */
const DEVELOPMENT_ONLY = [
  'typescript',
  'jest',
  'prisma',
  '@swc/core',
  'turbo',
  'eslint',
  'prettier',
  'redoc',
  'playwright-core',
];

/** What a service's image (apps/<name>) and a tool's (tools/<name>) run. */
const LAYOUT = {
  service: { folder: 'apps', entry: 'dist/main.bundle.js' },
  tool: { folder: 'tools', entry: 'dist/cli.js' },
} as const;

function inspect(app: string, kind: keyof typeof LAYOUT, image: ReproducedImage): string[] {
  const problems: string[] = [];
  const { folder, entry } = LAYOUT[kind];
  if (image.finalImage !== RUNTIME_IMAGE)
    problems.push(`runtime stage is ${image.finalImage}, not ${RUNTIME_IMAGE}`);
  if (image.user !== '65532:65532')
    problems.push(`runtime USER is ${image.user ?? 'unset'}, not 65532:65532`);
  if (image.command[0] !== process.execPath || image.command[1] !== entry) {
    problems.push(`runtime command is ${JSON.stringify(image.command)}, not node ${entry}`);
  }
  if (image.workdir !== join(image.root, 'app', folder, app)) {
    problems.push(`runtime WORKDIR is ${image.workdir.slice(image.root.length)}, not /app/${folder}/${app}`);
  }
  for (const label of REQUIRED_LABELS) {
    if (!(label in image.labels)) problems.push(`label ${label} is missing`);
  }
  if (image.labels['org.opencontainers.image.title'] !== `meridian-${app}`) {
    problems.push(`label org.opencontainers.image.title is not meridian-${app}`);
  }
  const installed = new Set(installedPackages(image.root));
  for (const name of DEVELOPMENT_ONLY) {
    if (installed.has(name)) problems.push(`development dependency ${name} is in the runtime stage`);
  }
  return problems;
}

/** Bytes under a folder (symbolic links counted as links, as an image layer stores them). */
function sizeOf(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, entry) => total + sizeOf(join(path, entry)), 0);
}

/** Values for the variables each service requires, pointing at this machine's PostgreSQL and Redis. */
function requiredEnvironment(app: string, values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of describeVariables(schemas.get(app)!)) {
    if (!variable.required) continue;
    const value = values[variable.name];
    if (value === undefined)
      throw new Error(`check-image has no value for ${app}'s required ${variable.name}`);
    env[variable.name] = value;
  }
  return env;
}

function run(image: ReproducedImage, args: string[], env: Record<string, string>) {
  return spawn(image.command[0]!, args, {
    cwd: image.workdir,
    // Only the image's ENV and the deployment's variables: nothing from this shell leaks in.
    env: { ...image.env, NODE_COMPILE_CACHE: join(image.root, 'tmp', 'node-compile-cache'), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

const exitOf = (child: ReturnType<typeof spawn>) =>
  new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

/** Builds one image from docker/Dockerfile's stages and checks what it is made of. */
function buildImage(app: string, kind: keyof typeof LAYOUT, workspace: string): ReproducedImage {
  console.log(`\n### ${app}: docker/Dockerfile stages, outside Docker`);
  const image = reproduceImage({
    dockerfile: join(REPO, 'docker', 'Dockerfile'),
    context: REPO,
    workspace,
    buildArgs: { APP: app },
    ...(kind === 'tool' ? { target: TOOL_TARGET } : {}),
    log: (line) => console.log(`[${app}] ${line}`),
  });
  console.log(
    `[${app}] runtime stage adds ${(sizeOf(image.root) / 1_048_576).toFixed(0)} MB to the base image`,
  );
  const problems = inspect(app, kind, image);
  if (problems.length > 0) throw new Error(`${app} image:\n  - ${problems.join('\n  - ')}`);
  return image;
}

/** A tool's image: its CMD with --help, and nothing else from this machine, exits 0. */
async function checkTool(tool: string): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), `meridian-image-${tool}-`));
  try {
    const image = buildImage(tool, 'tool', workspace);
    console.log(`[${tool}] CMD ${image.command.slice(1).join(' ')} --help`);
    const child = run(image, [...image.command.slice(1), '--help'], {});
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await exitOf(child);
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${tool}: ${image.command.slice(1).join(' ')} --help exited ${code}`);
    console.log(`[${tool}] --help exited 0: the image works`);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

async function checkApp(registry: Registry, app: string): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), `meridian-image-${app}-`));
  const database = await createTestDatabase(`image_${app}`);
  const redis = createRedisNamespace(`image-${app}`);
  try {
    const image = buildImage(app, 'service', workspace);
    const port = await freePort();
    const managementPort = await freePort();
    // What the registry gives the app, pointing at this machine; its callees are not started.
    const declared = serviceEnvironment(registry, app, {
      ports: () => ({ port, managementPort }),
      url: (callee) => `http://127.0.0.1:${callee.port}`,
      databaseUrl: () => database.url,
      redisUrl: () => redis.url,
      redisKeyPrefix: redis.prefix,
      token: () => randomBytes(24).toString('hex'),
      adminToken: randomBytes(24).toString('hex'),
    });
    const env = {
      ...requiredEnvironment(app, declared),
      REDIS_KEY_PREFIX: redis.prefix,
      HOST: '127.0.0.1',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      SHUTDOWN_DELAY_MS: '0',
    };

    console.log(`[${app}] migration command: dist/migrate.js`);
    const migrated = await exitOf(run(image, ['dist/migrate.js'], { DATABASE_URL: database.url }));
    if (migrated !== 0) throw new Error(`${app}: dist/migrate.js exited ${migrated}`);

    console.log(`[${app}] CMD ${image.command.slice(1).join(' ')}`);
    const service = run(image, image.command.slice(1), env);
    const exited = exitOf(service);
    const deadline = Date.now() + 30_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      const response = await httpRequest(`http://127.0.0.1:${managementPort}/health/ready`).catch(
        () => undefined,
      );
      ready = response?.status === 200;
      if (!ready) await new Promise((wait) => setTimeout(wait, 250));
    }
    service.kill('SIGTERM');
    const code = await exited;
    if (!ready) throw new Error(`${app}: /health/ready did not answer 200 within 30 s`);
    if (code !== 0) throw new Error(`${app}: exited ${code} after SIGTERM`);
    console.log(`[${app}] ready on /health/ready, stopped cleanly: the image works`);
  } finally {
    await database.drop();
    await redis.clear();
    rmSync(workspace, { recursive: true, force: true });
  }
}

async function main() {
  const registry = loadRegistry();
  const services = registry.services.map((service) => service.name);
  const known = [...services, ...TOOL_IMAGES];
  const requested = process.argv.slice(2);
  const images = requested.length > 0 ? requested : known;
  if (images.some((image) => !known.includes(image))) {
    console.error(
      `usage: check-image [<${known.join('|')}> ...] (none: every service of the registry, then every tool)`,
    );
    process.exit(64);
  }
  for (const image of images) {
    if (TOOL_IMAGES.includes(image)) {
      await checkTool(image);
      continue;
    }
    if (!schemas.has(image)) throw new Error(`${image} has no config schema to check its variables with`);
    await checkApp(registry, image);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
