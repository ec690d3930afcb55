/** The few questions the check asks git, each one command in the repository's folder. */
import { spawnSync } from 'node:child_process';

/** Release tags: `v` and a semantic version (git's glob; the tag found is checked with `isReleaseTag`). */
export const RELEASE_TAG_GLOB = 'v[0-9]*';

interface GitResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function git(repository: string, args: string[]): GitResult {
  const result = spawnSync('git', args, { cwd: repository, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`git ${args.join(' ')}: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function gitOrThrow(repository: string, args: string[]): string {
  const result = git(repository, args);
  if (result.status !== 0) {
    throw new Error(`git ${args.join(' ')} failed in ${repository}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** The repository's top folder; throws when `folder` is in no git work tree. */
export const topLevel = (folder: string) => gitOrThrow(folder, ['rev-parse', '--show-toplevel']).trim();

/**
 * The last release tag reachable from HEAD (`git describe --tags --abbrev=0`), or
 * undefined when HEAD has none behind it, as in a clone without tags.
 */
export function lastReleaseTag(repository: string): string | undefined {
  const described = git(repository, ['describe', '--tags', '--abbrev=0', '--match', RELEASE_TAG_GLOB]);
  if (described.status === 0) return described.stdout.trim();
  // describe fails the same way for "no tag" and for a broken repository: tell them apart.
  const merged = gitOrThrow(repository, ['tag', '--merged', 'HEAD', '--list', RELEASE_TAG_GLOB]).trim();
  if (merged === '') return undefined;
  throw new Error(
    `git describe found no release tag, yet HEAD contains ${merged.split('\n').join(', ')}: ${described.stderr.trim()}`,
  );
}

/** Whether the clone is shallow: its history, and so its last release, may be cut off. */
export const isShallow = (repository: string) =>
  gitOrThrow(repository, ['rev-parse', '--is-shallow-repository']).trim() === 'true';

/** The text of `path` (from the repository's top) at `ref`, or undefined when it had no such file. */
export function fileAt(repository: string, ref: string, path: string): string | undefined {
  if (git(repository, ['cat-file', '-e', `${ref}:${path}`]).status !== 0) return undefined;
  return gitOrThrow(repository, ['show', `${ref}:${path}`]);
}
