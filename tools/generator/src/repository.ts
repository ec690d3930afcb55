import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Where the generator's templates are: beside dist/ in this workspace. */
export const TEMPLATES_DIR = resolve(__dirname, '..', 'templates');

interface PackageJson {
  name?: string;
  version?: string;
  workspaces?: string[];
}

export interface Workspace {
  /** Folder relative to the repository root, e.g. `apps/ledger`. */
  dir: string;
  name: string;
  version: string;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The monorepo a command works on: its root, workspaces, npm scope and chart. */
export class Repository {
  readonly workspaces: Workspace[];

  private constructor(readonly root: string) {
    const patterns = readJson<PackageJson>(join(root, 'package.json')).workspaces ?? [];
    this.workspaces = patterns.flatMap((pattern) => {
      // The repository's workspace patterns are all `<folder>/*`.
      const parent = pattern.replace(/\/\*$/, '');
      const base = join(root, parent);
      if (pattern === parent || !existsSync(base)) return [];
      return readdirSync(base, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(base, entry.name, 'package.json')))
        .map((entry) => {
          const pkg = readJson<PackageJson>(join(base, entry.name, 'package.json'));
          return { dir: `${parent}/${entry.name}`, name: pkg.name ?? '', version: pkg.version ?? '' };
        });
    });
  }

  /** The repository holding `from`: the nearest folder up with a package.json that declares workspaces. */
  static find(from = process.cwd()): Repository {
    for (let dir = resolve(from); ; dir = dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest) && readJson<PackageJson>(manifest).workspaces) return new Repository(dir);
      if (dirname(dir) === dir) throw new Error(`no npm workspaces root at or above ${from}`);
    }
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  relative(path: string): string {
    return relative(this.root, path);
  }

  /** The npm scope every workspace shares, e.g. `@meridian`. */
  get scope(): string {
    const scopes = new Set(this.workspaces.map((workspace) => workspace.name.split('/')[0]));
    const [scope] = scopes;
    if (scopes.size !== 1 || !scope?.startsWith('@'))
      throw new Error(`the workspaces do not share one npm scope (${[...scopes].join(', ')})`);
    return scope;
  }

  /** The Helm chart: the one folder under deploy/helm with a Chart.yaml. */
  get chartDir(): string {
    const base = this.path('deploy', 'helm');
    const charts = existsSync(base)
      ? readdirSync(base).filter((name) => existsSync(join(base, name, 'Chart.yaml')))
      : [];
    if (charts.length !== 1) throw new Error(`expected one chart under deploy/helm, found ${charts.length}`);
    return join(base, charts[0]!);
  }

  /** The values file that holds the registry of services. */
  get registryFile(): string {
    return join(this.chartDir, 'values.yaml');
  }

  /**
   * The version of a dependency the repository already installs: a
   * workspace's own version, or the one the lockfile hoists to the root, so
   * a new workspace adds nothing to node_modules.
   */
  installedVersion(dependency: string): string {
    const workspace = this.workspaces.find((candidate) => candidate.name === dependency);
    if (workspace) return workspace.version;
    const lock = readJson<{ packages: Record<string, { version?: string }> }>(this.path('package-lock.json'));
    const version = lock.packages[`node_modules/${dependency}`]?.version;
    if (!version)
      throw new Error(`${dependency} is not installed at the repository root (package-lock.json)`);
    return version;
  }

  /**
   * Brings package-lock.json up to date with the workspaces' package.json
   * files, as `npm install` would write it, so `npm ci` keeps working;
   * node_modules is left to the next `npm install`.
   */
  updateLockfile(): void {
    const npm = spawnSync(
      'npm',
      ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
      {
        cwd: this.root,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    if (npm.status !== 0)
      throw new Error(`npm install --package-lock-only failed (${npm.status ?? npm.signal})`);
  }
}
