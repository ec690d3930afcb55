/**
 * Runs a Dockerfile's stages without a Docker engine: each stage gets its own
 * directory standing in for the container's root, RUN lines run in `sh` with
 * the stage's ARG and ENV values, COPY copies from the build context (after
 * .dockerignore) or from an earlier stage's directory. The base images are
 * stood in for by this machine's Node.js and npm, which is what the build
 * stages use from them; the runtime stage's node is this machine's node.
 *
 * What it proves: the stages' own commands, in order, turn the repository
 * into a runnable app folder that holds only production dependencies.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join, posix } from 'node:path';
import ignore from 'ignore';
import { execForm, parseAssignments, parseDockerfile, substitute, type Stage } from './parse';

export interface ReproducedImage {
  /** The final stage's root folder. */
  root: string;
  /** Container WORKDIR mapped into `root`. */
  workdir: string;
  /** ENTRYPOINT + CMD, with the distroless node mapped to this machine's node. */
  command: string[];
  env: Record<string, string>;
  user: string | undefined;
  labels: Record<string, string>;
  finalImage: string;
}

export interface ReproduceOptions {
  dockerfile: string;
  context: string;
  /** Empty folder for the stage roots. */
  workspace: string;
  buildArgs: Record<string, string>;
  /** Container paths that are this machine's node in the base images. */
  nodeBinaries?: string[];
  log?: (line: string) => void;
}

/**
 * How this machine reaches the registry (proxies, extra CA certificates, the
 * user's npm settings), as BuildKit passes proxy build arguments to RUN.
 */
function hostNetworkEnvironment(): Record<string, string> {
  const names = /^(https?_proxy|no_proxy|all_proxy|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR)$/i;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => names.test(entry[0]) && entry[1] !== undefined,
    ),
  );
  const userConfig = join(homedir(), '.npmrc');
  return existsSync(userConfig) ? { ...env, npm_config_userconfig: userConfig } : env;
}

const DEFAULT_NODE_BINARIES = ['/nodejs/bin/node', '/usr/local/bin/node', 'node'];

/** The build context as `docker build` sends it: the folder minus .dockerignore matches. */
export function contextFiles(context: string): string[] {
  const ignoreFile = join(context, '.dockerignore');
  const rules = ignore().add(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(context, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (rules.ignores(entry.isDirectory() ? `${path}/` : path)) continue;
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk('');
  return files;
}

function copyInto(source: string, destination: string, destinationIsDir: boolean) {
  const sourceStat = lstatSync(source);
  if (sourceStat.isDirectory()) {
    mkdirSync(destination, { recursive: true });
    cpSync(source, destination, { recursive: true, verbatimSymlinks: true, force: true });
  } else {
    const target = destinationIsDir ? join(destination, basename(source)) : destination;
    mkdirSync(dirname(target), { recursive: true });
    cpSync(source, target, { verbatimSymlinks: true, force: true });
  }
}

export function reproduceImage(options: ReproduceOptions): ReproducedImage {
  const log = options.log ?? (() => undefined);
  const dockerfile = parseDockerfile(readFileSync(options.dockerfile, 'utf8'));
  const nodeBinaries = options.nodeBinaries ?? DEFAULT_NODE_BINARIES;
  const globals: Record<string, string | undefined> = { ...dockerfile.globalArgs };
  for (const key of Object.keys(globals)) globals[key] = options.buildArgs[key] ?? globals[key];

  // The context, filtered by .dockerignore, is materialised once like the build's context upload.
  const contextRoot = join(options.workspace, 'context');
  for (const file of contextFiles(options.context)) {
    copyInto(join(options.context, file), join(contextRoot, file), false);
  }

  const stageRoots = new Map<string, string>();
  let final: ReproducedImage | undefined;
  dockerfile.stages.forEach((stage: Stage, index) => {
    const root = join(options.workspace, `stage-${index}-${stage.name}`);
    mkdirSync(root, { recursive: true });
    stageRoots.set(stage.name, root);
    const image = substitute(stage.image, globals);
    log(`FROM ${image} AS ${stage.name}`);
    const args: Record<string, string | undefined> = {};
    const env: Record<string, string> = {};
    const labels: Record<string, string> = {};
    let workdir = '/';
    let user: string | undefined;
    let entrypoint: string[] = [];
    let cmd: string[] = [];
    const vars = () => ({ ...args, ...env });
    const inRoot = (containerPath: string) =>
      join(root, posix.isAbsolute(containerPath) ? containerPath : posix.join(workdir, containerPath));

    for (const instruction of stage.instructions) {
      const text = substitute(instruction.args, vars());
      switch (instruction.keyword) {
        case 'ARG':
          for (const [key, fallback] of Object.entries(parseAssignments(instruction.args, true))) {
            args[key] =
              options.buildArgs[key] ??
              (fallback !== undefined ? substitute(fallback, vars()) : globals[key]);
          }
          break;
        case 'ENV':
          Object.assign(env, parseAssignments(text) as Record<string, string>);
          break;
        case 'LABEL':
          Object.assign(labels, parseAssignments(text) as Record<string, string>);
          break;
        case 'WORKDIR':
          workdir = posix.resolve(workdir, text);
          mkdirSync(inRoot(workdir), { recursive: true });
          break;
        case 'USER':
          user = text;
          break;
        case 'ENTRYPOINT':
          entrypoint = execForm(instruction);
          break;
        case 'CMD':
          cmd = execForm(instruction);
          break;
        case 'EXPOSE':
          break;
        case 'COPY': {
          const parts = text.split(/\s+/);
          const destination = parts.pop()!;
          const from = instruction.flags.from;
          const sourceRoot = from === undefined ? contextRoot : stageRoots.get(from);
          if (!sourceRoot) throw new Error(`Dockerfile line ${instruction.line}: no stage named ${from}`);
          const destinationPath = inRoot(destination);
          const destinationIsDir = destination.endsWith('/') || destination === '.' || parts.length > 1;
          for (const source of parts) {
            const sourcePath = join(sourceRoot, from === undefined ? source : posix.resolve('/', source));
            if (!existsSync(sourcePath)) {
              throw new Error(`Dockerfile line ${instruction.line}: COPY source ${source} does not exist`);
            }
            copyInto(sourcePath, destinationPath, destinationIsDir);
          }
          log(`COPY ${text}`);
          break;
        }
        case 'RUN': {
          log(`RUN ${instruction.args}`);
          const result = spawnSync('sh', ['-ec', instruction.args], {
            cwd: inRoot(workdir),
            stdio: 'inherit',
            env: {
              ...hostNetworkEnvironment(),
              // The base image's node and npm are this machine's; global installs land in the stage root.
              PATH: [join(root, 'usr/local/bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(
                delimiter,
              ),
              HOME: join(root, 'root'),
              npm_config_prefix: join(root, 'usr/local'),
              // RUN --mount=type=cache,target=/root/.npm: the cache outlives the build, like this one.
              npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
              npm_config_prefer_offline: 'true',
              ...Object.fromEntries(Object.entries(vars()).filter(([, value]) => value !== undefined)),
            },
          });
          if (result.status !== 0) {
            throw new Error(
              `Dockerfile line ${instruction.line}: RUN exited ${result.status ?? result.signal}`,
            );
          }
          break;
        }
        default:
          throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} is not reproduced`);
      }
    }
    const command = [...entrypoint, ...cmd].map((part, position) =>
      position === 0 && nodeBinaries.includes(part) ? process.execPath : part,
    );
    final = { root, workdir: inRoot(workdir), command, env, user, labels, finalImage: image };
  });
  return final!;
}

/** Every package folder under node_modules of a reproduced image (scoped names included). */
export function installedPackages(root: string): string[] {
  const found = new Set<string>();
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const path = join(dir, entry);
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(path)) {
          found.add(`${entry}/${scoped}`);
          visit(join(path, scoped, 'node_modules'));
        }
      } else {
        found.add(entry);
        if (statSync(path).isDirectory()) visit(join(path, 'node_modules'));
      }
    }
  };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (entry.name === 'node_modules') visit(path);
      else walk(path);
    }
  };
  walk(root);
  return [...found].sort();
}
