import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Repository } from '../../src/repository';

/** This repository: the one the tests copy. */
export const SOURCE_ROOT = resolve(__dirname, '..', '..', '..', '..');

/** The generator's command line, built (turbo builds it before the tests). */
export const CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js');

export interface RunResult {
  code: number | null;
  output: string;
}

/**
 * The environment of commands run in the copy: this process's, without what
 * the npm and turbo running these tests set for themselves (which would
 * point the copy's npm and turbo at this repository), and offline.
 */
function scratchEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(npm_|TURBO_|INIT_CWD$)/i.test(name)),
  );
  return { ...env, npm_config_offline: 'true', TURBO_TELEMETRY_DISABLED: '1', ...extra };
}

/**
 * A copy of this repository in a temporary folder: every file git tracks
 * (and new files not ignored), so uncommitted work is tested too, with the
 * installed dependencies linked rather than copied. Third-party packages are
 * symlinks into this repository's node_modules; the workspaces are linked to
 * the copy's own folders, under the names the copy's package.json files
 * give them. The copy is a git repository of its own with nothing committed.
 */
export class ScratchRepository {
  private constructor(readonly dir: string) {}

  static create(label: string): ScratchRepository {
    const dir = mkdtempSync(join(tmpdir(), `meridian-${label}-`));
    const scratch = new ScratchRepository(dir);
    const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: SOURCE_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      const from = join(SOURCE_ROOT, file);
      if (!existsSync(from)) continue; // deleted in the working tree
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      cpSync(from, join(dir, file), { verbatimSymlinks: true });
    }
    spawnSync('git', ['init', '--quiet'], { cwd: dir });
    scratch.linkDependencies();
    return scratch;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /**
   * (Re)links node_modules: third-party packages to this repository's, the
   * workspaces to the copy's folders by their current names (call again
   * after a rename).
   */
  linkDependencies(): void {
    const source = join(SOURCE_ROOT, 'node_modules');
    const target = this.path('node_modules');
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target);
    const isWorkspaceLink = (path: string) =>
      lstatSync(path).isSymbolicLink() && !resolve(dirname(path), readlinkSync(path)).startsWith(source);
    for (const entry of readdirSync(source)) {
      if (entry === '.package-lock.json' || entry === '.cache') continue;
      const from = join(source, entry);
      if (entry.startsWith('@')) {
        mkdirSync(join(target, entry));
        for (const scoped of readdirSync(from)) {
          if (!isWorkspaceLink(join(from, scoped)))
            symlinkSync(join(from, scoped), join(target, entry, scoped));
        }
      } else if (!isWorkspaceLink(from)) symlinkSync(from, join(target, entry));
    }
    const repo = Repository.find(this.dir);
    for (const workspace of repo.workspaces) {
      const link = join(target, workspace.name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(relative(dirname(link), this.path(workspace.dir)), link);
      // Dependencies npm could not hoist (other versions) sit in the workspace's own node_modules.
      const nested = join(SOURCE_ROOT, workspace.dir, 'node_modules');
      if (existsSync(nested) && !existsSync(this.path(workspace.dir, 'node_modules')))
        symlinkSync(nested, this.path(workspace.dir, 'node_modules'));
    }
  }

  /** Runs a command in the copy (or a folder of it) to its end; output is stdout and stderr interleaved. */
  run(
    command: string,
    args: string[],
    options: { cwd?: string; env?: Record<string, string> } = {},
  ): Promise<RunResult> {
    return new Promise((resolveRun, reject) => {
      const child = spawn(command, args, {
        cwd: options.cwd ?? this.dir,
        env: scratchEnvironment(options.env ?? {}),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolveRun({ code, output }));
    });
  }

  /** Like run, but a non-zero exit fails with the command's output. */
  async succeed(
    command: string,
    args: string[],
    options: { cwd?: string; env?: Record<string, string> } = {},
  ): Promise<string> {
    const result = await this.run(command, args, options);
    if (result.code !== 0) {
      throw new Error(
        `${command} ${args.join(' ')} exited ${result.code} in ${relative(this.dir, options.cwd ?? this.dir) || '.'}:\n` +
          result.output.slice(-20_000),
      );
    }
    return result.output;
  }

  /** Deletes the copy; the symlinks go, what they point to stays. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
