import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { nameProblem, serviceNames } from './names';
import { choosePorts, readRegistry, withRegistryEntry } from './registry';
import { type Repository, TEMPLATES_DIR } from './repository';
import { renderTemplate, type TemplateContext } from './template';
import { UsageError } from './usage-error';

export interface NewServiceOptions {
  name: string;
  /** Services it calls (registry names). */
  calls: string[];
  /** Its HTTP port; the next free one when absent. */
  port?: number;
  /** Names the first migration; now when absent. */
  now?: Date;
}

export interface NewService {
  /** Files written, relative to the repository root; the registry file last. */
  files: string[];
  port: number;
  managementPort: number;
}

/** Every file under a folder, as paths relative to it, in a stable order. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? filesUnder(dir, path) : [path];
    });
}

/** The first migration's folder: `<UTC timestamp>_<name>`, as `migrate create` names them. */
const migrationFolder = (options: NewServiceOptions) =>
  `${(options.now ?? new Date()).toISOString().replace(/\D/g, '').slice(0, 14)}_${serviceNames(options.name).snake}`;

/** The template data of a service: its names, ports, callees, and the repository's scope. */
function templateContext(
  repo: Repository,
  options: NewServiceOptions,
  ports: { port: number; managementPort: number },
  callees: Record<string, { port: number; partitioned: boolean }>,
): TemplateContext {
  const names = serviceNames(options.name);
  const calleeData = options.calls.map((callee) => {
    const calleeNames = serviceNames(callee);
    return {
      name: callee,
      upper: calleeNames.upper,
      camel: calleeNames.camel,
      url: `http://127.0.0.1:${callees[callee]!.port}`,
      // A partitioned callee's count is the caller's to know as well (<CALLEE>_PARTITIONS).
      partitioned: callees[callee]!.partitioned,
    };
  });
  return {
    ...names,
    scope: repo.scope,
    port: ports.port,
    managementPort: ports.managementPort,
    callees: calleeData,
    callsPartitioned: calleeData.some((c) => c.partitioned),
    calls: options.calls.join(', '),
    calleeList: calleeData.map((c) => `\`${c.name}\` (\`${c.upper}_URL\`, \`${c.upper}_TOKEN\`)`).join(', '),
    requiredVariables: ['DATABASE_URL', ...calleeData.map((c) => `${c.upper}_TOKEN`)]
      .sort()
      .map((variable) => `'${variable}'`)
      .join(', '),
    migration: migrationFolder(options),
    // The README's layout block lines its descriptions up in one column.
    moduleFileColumn: `${`${options.name}.module.ts`.padEnd(23)} `,
  };
}

/** package.json with every dependency pinned to the version the repository already installs. */
function pinDependencies(repo: Repository, text: string): string {
  const manifest = JSON.parse(text) as Record<string, unknown>;
  for (const field of ['dependencies', 'devDependencies']) {
    const dependencies = manifest[field] as Record<string, string> | undefined;
    for (const name of Object.keys(dependencies ?? {})) dependencies![name] = repo.installedVersion(name);
  }
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Formats files the way `prettier --check` expects them (long names can move line breaks). */
async function format(repo: Repository, paths: string[]): Promise<void> {
  const prettier = await import('prettier');
  for (const path of paths) {
    const info = await prettier.getFileInfo(path, { ignorePath: repo.path('.prettierignore') });
    if (info.ignored || !info.inferredParser) continue;
    const options = await prettier.resolveConfig(path);
    writeFileSync(path, await prettier.format(readFileSync(path, 'utf8'), { ...options, filepath: path }));
  }
}

/**
 * Creates apps/<name>, wired like every other app, and its entry in the
 * registry of services; then records the new workspace in package-lock.json.
 * Everything is rendered and checked before the first file is written.
 */
export async function newService(repo: Repository, options: NewServiceOptions): Promise<NewService> {
  const registryFile = repo.registryFile;
  const registryName = repo.relative(registryFile);
  const registryText = readFileSync(registryFile, 'utf8');
  const registry = readRegistry(registryText, registryName);

  const taken = new Set([
    ...Object.keys(registry),
    ...repo.workspaces.flatMap((workspace) => [basename(workspace.dir), workspace.name.split('/').pop()!]),
  ]);
  const problem = nameProblem(options.name, taken);
  if (problem) throw new UsageError(problem);
  const appDir = repo.path('apps', options.name);
  if (existsSync(appDir)) throw new UsageError(`apps/${options.name} exists already`);
  for (const callee of options.calls) {
    if (!registry[callee])
      throw new UsageError(
        `--calls ${callee}: no such service in ${registryName} (${Object.keys(registry).join(', ')})`,
      );
    if (callee === options.name) throw new UsageError('a service does not call itself');
  }
  if (new Set(options.calls).size !== options.calls.length)
    throw new UsageError('--calls names a service twice');
  if (
    options.port !== undefined &&
    !(Number.isInteger(options.port) && options.port >= 1024 && options.port <= 65535)
  )
    throw new UsageError('--port must be an integer from 1024 to 65535');
  let ports: { port: number; managementPort: number };
  try {
    ports = choosePorts(registry, options.port);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  const callees = Object.fromEntries(
    options.calls.map((callee) => [
      callee,
      { port: registry[callee]!.port, partitioned: registry[callee]!.partitions !== undefined },
    ]),
  );
  const context = templateContext(repo, options, ports, callees);
  const serviceTemplates = join(TEMPLATES_DIR, 'service');
  const rendered = filesUnder(serviceTemplates).map((template) => {
    const target = template
      .replace(/\.tmpl$/, '')
      .replaceAll('__name__', options.name)
      .replaceAll('__migration__', migrationFolder(options));
    const text = renderTemplate(readFileSync(join(serviceTemplates, template), 'utf8'), context, template);
    return {
      path: join(appDir, target),
      text: target === 'package.json' ? pinDependencies(repo, text) : text,
    };
  });
  const entryTemplate = 'registry-entry.yaml.tmpl';
  const entry = renderTemplate(
    readFileSync(join(TEMPLATES_DIR, entryTemplate), 'utf8'),
    context,
    entryTemplate,
  );
  const updatedRegistry = withRegistryEntry(registryText, registryName, options.name, entry);

  for (const file of rendered) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.text);
  }
  await format(
    repo,
    rendered.map((file) => file.path),
  );
  writeFileSync(registryFile, updatedRegistry);

  repo.updateLockfile();

  return {
    files: [...rendered.map((file) => relative(repo.root, file.path)), registryName],
    ...ports,
  };
}
