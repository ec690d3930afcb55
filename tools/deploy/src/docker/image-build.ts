/**
 * Building an image of docker/Dockerfile with BuildKit, and reading back what
 * the built image is: its configuration (docker inspect) and the npm packages
 * it holds (listed by the image's own node).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../toolchain';
import { docker, dockerStreamed, inspect } from './engine';

/** What a service's image (apps/<name>) and a tool's (tools/<name>, the `tool` target) run. */
export const IMAGE_LAYOUT = {
  service: { folder: 'apps', entry: 'dist/main.bundle.js', target: 'runtime' },
  tool: { folder: 'tools', entry: 'dist/cli.js', target: 'tool' },
} as const;
export type ImageKind = keyof typeof IMAGE_LAYOUT;

/** The tag compose and the local values use for an app's image (tools/service-registry writes the same). */
export const localTag = (app: string) => `meridian-${app}:local`;

/**
 * Base images by build argument: the pinned upstream ones by default (the
 * Dockerfile's), or the local stand-ins scripts/ensure-stand-in-images.sh
 * exports where no registry can be reached.
 */
export function baseImageArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const args: string[] = [];
  if (env.MERIDIAN_BUILD_IMAGE) args.push('--build-arg', `BUILD_IMAGE=${env.MERIDIAN_BUILD_IMAGE}`);
  if (env.MERIDIAN_RUNTIME_IMAGE) args.push('--build-arg', `RUNTIME_IMAGE=${env.MERIDIAN_RUNTIME_IMAGE}`);
  return args;
}

/**
 * The CA bundle npm inside the build trusts, as a build secret (never a layer):
 * MERIDIAN_BUILD_CA_FILE, else this machine's bundle, so a TLS-inspecting proxy
 * that this machine trusts is trusted by the build too.
 */
function caSecretArgs(env: NodeJS.ProcessEnv): string[] {
  const file = env.MERIDIAN_BUILD_CA_FILE ?? '/etc/ssl/certs/ca-certificates.crt';
  return existsSync(file) ? ['--secret', `id=ca,src=${file}`] : [];
}

const git = (args: string[]) =>
  execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/** Builds `app`'s image from docker/Dockerfile, tagged as compose expects; returns the tag. */
export async function buildImage(app: string, kind: ImageKind, env = process.env): Promise<string> {
  const tag = localTag(app);
  const revision = git(['rev-parse', 'HEAD']);
  const args = [
    'buildx',
    'build',
    '--load',
    '--progress=plain',
    '--file',
    join(REPO_ROOT, 'docker', 'Dockerfile'),
    '--target',
    IMAGE_LAYOUT[kind].target,
    '--build-arg',
    `APP=${app}`,
    '--build-arg',
    `REVISION=${revision}`,
    '--build-arg',
    `CREATED=${git(['log', '-1', '--format=%cI'])}`,
    ...baseImageArgs(env),
    ...caSecretArgs(env),
    '--tag',
    tag,
    REPO_ROOT,
  ];
  const status = await dockerStreamed(args, env);
  if (status !== 0) throw new Error(`${app}: docker buildx build exited ${status}`);
  return tag;
}

export interface ImageConfig {
  Config: {
    User: string;
    Entrypoint: string[] | null;
    Cmd: string[] | null;
    WorkingDir: string;
    Env: string[];
    Labels: Record<string, string> | null;
  };
  Size: number;
}

export const imageConfig = (tag: string) => inspect<ImageConfig>(tag, 'image');

export interface ImagePackage {
  name: string;
  version: string;
  /** Its folder in the image. */
  path: string;
}

/**
 * Every npm package in the image under /app: each package.json of a folder in
 * a node_modules (scoped ones included, nested ones too) and of each workspace,
 * read by the image's node with no network.
 */
const LIST_PACKAGES = `
const { readdirSync, readFileSync, realpathSync } = require('node:fs');
const { join } = require('node:path');
const found = new Map();
const read = (folder) => {
  try { return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')); } catch { return undefined; }
};
const visitModules = (modules) => {
  let entries = [];
  try { entries = readdirSync(modules, { withFileTypes: true }); } catch { return; }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const folder = join(modules, entry.name);
    if (entry.name.startsWith('@')) { visitModules(folder); continue; }
    const real = realpathSync(folder);
    if (found.has(real)) continue;
    const manifest = read(real);
    if (manifest && manifest.name && manifest.version) found.set(real, { name: manifest.name, version: manifest.version, path: real });
    visitModules(join(real, 'node_modules'));
  }
};
visitModules('/app/node_modules');
console.log(JSON.stringify([...found.values()]));
`;

/** Runs a script with the image's own node, as its user, with no network; returns what it printed. */
const runNodeInImage = (tag: string, script: string) =>
  docker(['run', '--rm', '--network', 'none', '--entrypoint', '/nodejs/bin/node', tag, '-e', script]);

export function imagePackages(tag: string): ImagePackage[] {
  return JSON.parse(runNodeInImage(tag, LIST_PACKAGES)) as ImagePackage[];
}

/** The shells an image may carry; a Meridian image has none (nothing to exec into, nothing for a payload to run). */
const SHELLS = [
  '/bin/sh',
  '/bin/bash',
  '/bin/dash',
  '/bin/ash',
  '/bin/busybox',
  '/usr/bin/sh',
  '/usr/bin/bash',
  '/usr/bin/dash',
  '/usr/bin/busybox',
];

export function shellsIn(tag: string): string[] {
  const probe = `console.log(JSON.stringify(${JSON.stringify(SHELLS)}.filter((p) => require('node:fs').existsSync(p))))`;
  return JSON.parse(runNodeInImage(tag, probe)) as string[];
}
