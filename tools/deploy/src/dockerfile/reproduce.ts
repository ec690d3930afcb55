/**
 * Runs a Dockerfile's stages without a Docker engine: each stage gets its own
 * directory standing in for the container's root, RUN lines run in `sh` with
 * the stage's ARG and ENV values, COPY copies from the build context (after
 * .dockerignore) or from an earlier stage's directory, and a stage built FROM
 * an earlier one starts from that one's files and configuration. As with
 * `docker build --target`, only the stages the target needs run. The base
 * images are stood in for by this machine's Node.js and npm, which is what the
 * build stages use from them; the runtime stage's node is this machine's node.
 *
 * What it proves: the stages' own commands, in order, turn the repository
 * into a runnable app (or tool) folder that holds only production dependencies.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join, posix } from 'node:path';
import ignore from 'ignore';
import { type Dockerfile, execForm, parseAssignments, parseDockerfile, substitute } from './parse';

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
  /** The stage to build (`docker build --target`); the last one by default. */
  target?: string;
  /**
   * Only the image configuration (what `docker inspect` shows: ENV, LABEL,
   * WORKDIR, USER, ENTRYPOINT, CMD): no RUN runs and nothing is copied.
   */
  configOnly?: boolean;
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

/** What a stage leaves to a stage built FROM it: its filesystem and its image configuration. */
interface BuiltStage {
  root: string;
  baseImage: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  workdir: string;
  user: string | undefined;
  entrypoint: string[];
  cmd: string[];
}

/**
 * The stages a target needs, as BuildKit builds them: the target, the stages
 * it is built FROM, and the stages it copies from, transitively; the others
 * are skipped.
 */
export function stagesFor(
  dockerfile: Dockerfile,
  target: string,
  globals: Record<string, string | undefined>,
) {
  const byName = new Map(dockerfile.stages.map((stage) => [stage.name, stage]));
  if (!byName.has(target)) throw new Error(`Dockerfile has no stage named ${target}`);
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    needed.add(name);
    const stage = byName.get(name)!;
    const from = substitute(stage.image, globals);
    if (byName.has(from)) visit(from);
    for (const instruction of stage.instructions) {
      const source = instruction.keyword === 'COPY' ? instruction.flags.from : undefined;
      if (source !== undefined && byName.has(source)) visit(source);
    }
  };
  visit(target);
  return dockerfile.stages.filter((stage) => needed.has(stage.name));
}

export function reproduceImage(options: ReproduceOptions): ReproducedImage {
  const log = options.log ?? (() => undefined);
  const dockerfile = parseDockerfile(readFileSync(options.dockerfile, 'utf8'));
  const nodeBinaries = options.nodeBinaries ?? DEFAULT_NODE_BINARIES;
  const globals: Record<string, string | undefined> = { ...dockerfile.globalArgs };
  for (const key of Object.keys(globals)) globals[key] = options.buildArgs[key] ?? globals[key];
  const target = options.target ?? dockerfile.stages.at(-1)!.name;
  const stages = stagesFor(dockerfile, target, globals);

  // The context, filtered by .dockerignore, is materialised once like the build's context upload.
  const contextRoot = join(options.workspace, 'context');
  for (const file of options.configOnly ? [] : contextFiles(options.context)) {
    copyInto(join(options.context, file), join(contextRoot, file), false);
  }

  // How many of the stages to build start FROM or COPY --from each stage.
  const users = new Map<string, number>();
  for (const stage of stages) {
    const sources = [
      substitute(stage.image, globals),
      ...stage.instructions.flatMap((instruction) =>
        instruction.keyword === 'COPY' && instruction.flags.from ? [instruction.flags.from] : [],
      ),
    ];
    for (const source of sources) users.set(source, (users.get(source) ?? 0) + 1);
  }

  const built = new Map<string, BuiltStage>();
  for (const stage of stages) {
    const index = dockerfile.stages.indexOf(stage);
    const root = join(options.workspace, `stage-${index}-${stage.name}`);
    const image = substitute(stage.image, globals);
    // FROM an earlier stage: its files and its configuration (ENV, LABEL, WORKDIR, USER, ENTRYPOINT, CMD), not its ARGs.
    const parent = built.get(image);
    if (parent && users.get(image) === 1)
      renameSync(parent.root, root); // no other stage reads it: move, not copy
    else if (parent) cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
    mkdirSync(root, { recursive: true });
    log(`FROM ${image} AS ${stage.name}`);
    const args: Record<string, string | undefined> = {};
    const env: Record<string, string> = { ...parent?.env };
    const labels: Record<string, string> = { ...parent?.labels };
    let workdir = parent?.workdir ?? '/';
    let user = parent?.user;
    let entrypoint = parent?.entrypoint ?? [];
    let cmd = parent?.cmd ?? [];
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
          // As in Docker: a new ENTRYPOINT drops the CMD inherited from the base.
          cmd = [];
          break;
        case 'CMD':
          cmd = execForm(instruction);
          break;
        case 'EXPOSE':
          break;
        case 'COPY': {
          if (options.configOnly) break;
          const parts = text.split(/\s+/);
          const destination = parts.pop()!;
          const from = instruction.flags.from;
          const sourceRoot = from === undefined ? contextRoot : built.get(from)?.root;
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
          if (options.configOnly) break;
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
    built.set(stage.name, {
      root,
      baseImage: parent?.baseImage ?? image,
      env,
      labels,
      workdir,
      user,
      entrypoint,
      cmd,
    });
  }
  const final = built.get(target)!;
  const command = [...final.entrypoint, ...final.cmd].map((part, position) =>
    position === 0 && nodeBinaries.includes(part) ? process.execPath : part,
  );
  return {
    root: final.root,
    workdir: join(final.root, final.workdir),
    command,
    env: final.env,
    user: final.user,
    labels: final.labels,
    finalImage: final.baseImage,
  };
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
