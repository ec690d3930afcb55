/**
 * What a Meridian image and its running container must be, as judgements of
 * what was read from them (docker inspect, the image's files, the running
 * process's /proc/1/status): data in, problems out, so each can be shown to fail.
 */
import { IMAGE_LAYOUT, type ImageConfig, type ImageKind, type ImagePackage } from './image-build';

export const REQUIRED_LABELS = [
  'org.opencontainers.image.title',
  'org.opencontainers.image.source',
  'org.opencontainers.image.licenses',
  'org.opencontainers.image.version',
  'org.opencontainers.image.revision',
  'org.opencontainers.image.created',
  'org.opencontainers.image.base.name',
];

/**
 * Packages that exist only to build or test; none may reach an image (redoc's
 * one bundle is copied into the api's dist/ at build time).
 */
export const DEVELOPMENT_ONLY = [
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

/** What the image holds, as read from it. */
export interface ImageContents {
  config: ImageConfig['Config'];
  /** Shells found in the image (paths). */
  shells: string[];
  packages: ImagePackage[];
}

/** What is wrong with a built image's configuration and contents; empty when nothing is. */
export function imageProblems(
  app: string,
  kind: ImageKind,
  { config, shells, packages }: ImageContents,
): string[] {
  const { folder, entry } = IMAGE_LAYOUT[kind];
  const problems: string[] = [];
  if (config.User !== '65532:65532') problems.push(`USER is ${config.User || 'unset'}, not 65532:65532`);
  if (JSON.stringify(config.Entrypoint) !== JSON.stringify(['/nodejs/bin/node'])) {
    problems.push(`ENTRYPOINT is ${JSON.stringify(config.Entrypoint)}, not ["/nodejs/bin/node"]`);
  }
  if (JSON.stringify(config.Cmd) !== JSON.stringify([entry])) {
    problems.push(`CMD is ${JSON.stringify(config.Cmd)}, not ["${entry}"]`);
  }
  if (config.WorkingDir !== `/app/${folder}/${app}`) {
    problems.push(`WORKDIR is ${config.WorkingDir}, not /app/${folder}/${app}`);
  }
  const labels = config.Labels ?? {};
  for (const label of REQUIRED_LABELS) {
    if (!(label in labels)) problems.push(`label ${label} is missing`);
  }
  if (labels['org.opencontainers.image.title'] !== `meridian-${app}`) {
    problems.push(`label org.opencontainers.image.title is not meridian-${app}`);
  }
  if (shells.length > 0) problems.push(`the image has a shell: ${shells.join(', ')}`);
  const installed = new Set(packages.map((item) => item.name));
  // The listing found the image's packages at all: its own workspace is always among them.
  if (!installed.has(`@meridian/${app}`)) {
    problems.push(
      `no package @meridian/${app} under /app/node_modules: the package listing found ${packages.length}`,
    );
  }
  for (const name of DEVELOPMENT_ONLY) {
    if (installed.has(name)) problems.push(`development dependency ${name} is in the image`);
  }
  return problems;
}

/** What a container's running process is allowed, read by its own node (PROCESS_PROBE). */
export interface RunningProcess {
  uid: string;
  gid: string;
  capabilities: { effective: string; permitted: string; bounding: string };
  noNewPrivileges: string;
  /** The outcome of writing a file under /app: an error code, or `written`. */
  rootFilesystem: string;
  /** The same under /tmp. */
  tmp: string;
}

/** Prints a RunningProcess as JSON, run with `docker exec <container> /nodejs/bin/node -e`. */
export const PROCESS_PROBE = `
const fs = require('node:fs');
const status = fs.readFileSync('/proc/1/status', 'utf8');
const field = (name) => status.match(new RegExp('^' + name + ':\\\\s*(.*)$', 'm'))[1].trim();
const tryWrite = (path) => { try { fs.writeFileSync(path, ''); fs.rmSync(path); return 'written'; } catch (error) { return error.code; } };
console.log(JSON.stringify({
  uid: field('Uid').split(/\\s+/)[0], gid: field('Gid').split(/\\s+/)[0],
  capabilities: { effective: field('CapEff'), permitted: field('CapPrm'), bounding: field('CapBnd') },
  noNewPrivileges: field('NoNewPrivs'),
  rootFilesystem: tryWrite('/app/.write-probe'), tmp: tryWrite('/tmp/.write-probe'),
}));
`;

const NO_CAPABILITIES = '0000000000000000';

/** What the container's configuration says (docker inspect). */
export interface ContainerSettings {
  Config: { User: string };
  HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[] | null; SecurityOpt: string[] | null };
}

/** What is wrong with a running service's container, by its settings and by its process. */
export function containerProblems(
  app: string,
  settings: ContainerSettings,
  running: RunningProcess,
): string[] {
  const problems: string[] = [];
  if (settings.Config.User !== '65532:65532')
    problems.push(`${app}: configured user ${settings.Config.User}`);
  if (!settings.HostConfig.ReadonlyRootfs) problems.push(`${app}: root filesystem not read-only`);
  if (!settings.HostConfig.CapDrop?.includes('ALL')) problems.push(`${app}: capabilities not all dropped`);
  if (running.uid !== '65532' || running.gid !== '65532') {
    problems.push(`${app}: the process runs as ${running.uid}:${running.gid}, not 65532:65532`);
  }
  for (const [set, mask] of Object.entries(running.capabilities)) {
    if (mask !== NO_CAPABILITIES) problems.push(`${app}: ${set} capabilities ${mask}, not none`);
  }
  if (running.noNewPrivileges !== '1') problems.push(`${app}: no_new_privs is not set`);
  if (running.rootFilesystem !== 'EROFS') {
    problems.push(`${app}: writing under /app gave ${running.rootFilesystem}, not EROFS`);
  }
  if (running.tmp !== 'written') problems.push(`${app}: /tmp is not writable (${running.tmp})`);
  return problems;
}
