/** The few questions the check asks git, each one command in the repository's folder. */
import { spawnSync } from 'node:child_process';
import { compareVersions, isReleaseTag } from './version';

/** Release tags: `v` and a semantic version (git's glob; each tag found is checked with `isReleaseTag`). */
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
 * The release HEAD builds on: of the release tags (`v<semver>`) reachable from
 * HEAD, the highest version, so a merged-back hotfix tag (v1.4.1 on a branch
 * of v1) never stands in for v2.0.0. Tags that only look like one (a moving
 * `v1`) are not releases and are skipped. Undefined when there is none, as in
 * a clone without tags.
 */
export function lastReleaseTag(repository: string): string | undefined {
  const merged = gitOrThrow(repository, ['tag', '--merged', 'HEAD', '--list', RELEASE_TAG_GLOB])
    .split('\n')
    .map((tag) => tag.trim())
    .filter(isReleaseTag);
  return merged.sort(compareVersions).at(-1);
}

/** Whether the clone is shallow: its history, and so its last release, may be cut off. */
export const isShallow = (repository: string) =>
  gitOrThrow(repository, ['rev-parse', '--is-shallow-repository']).trim() === 'true';

/** The text of `path` (from the repository's top) at `ref`, or undefined when it had no such file. */
export function fileAt(repository: string, ref: string, path: string): string | undefined {
  if (git(repository, ['cat-file', '-e', `${ref}:${path}`]).status !== 0) return undefined;
  return gitOrThrow(repository, ['show', `${ref}:${path}`]);
}
