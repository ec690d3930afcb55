/**
 * The api's compatibility check: the OpenAPI document in the work tree against
 * the one of the last release (the last `v<semver>` tag reachable from HEAD),
 * compared by oasdiff (`oasdiff breaking --fail-on ERR`). A breaking change
 * passes only when the major part of `info.version` grows; without a release
 * to compare with, there is nothing to break and the check passes, saying so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileAt, isShallow, lastReleaseTag, topLevel } from './git';
import { documentVersion, majorOf } from './version';

export interface CheckOptions {
  /** Any folder of the git work tree whose document is checked. */
  repository: string;
  /** The document, relative to the repository's top: `apps/api/openapi.json`. */
  document: string;
  /** The oasdiff binary (scripts/ensure-oasdiff.sh exports it as MERIDIAN_OASDIFF). */
  oasdiff: string;
  /** What to do to raise the major version, for the failure's message. */
  howToBumpMajor?: string;
}

/** What the check found; `passed` alone decides the exit code. */
export type Outcome =
  /** No release tag is reachable from HEAD: nothing released, nothing to break. */
  | { kind: 'no-release'; shallow: boolean }
  /** The last release had no such document: nothing of it was released. */
  | { kind: 'not-in-release'; tag: string }
  /** oasdiff found no breaking change (warnings, if any, are printed). */
  | { kind: 'compatible'; tag: string; baseVersion?: string; revisionVersion?: string }
  /** Breaking changes, and the major version grew: allowed. */
  | { kind: 'breaking-with-major-bump'; tag: string; baseVersion: string; revisionVersion: string }
  /** Breaking changes without a greater major version: the failure this check exists for. */
  | { kind: 'breaking'; tag: string; baseVersion?: string; revisionVersion?: string }
  /** oasdiff could not compare (a document it cannot load, a bad flag): a failure, never a pass. */
  | { kind: 'oasdiff-failed'; tag: string; exitCode: number | null };

export interface CheckResult {
  passed: boolean;
  outcome: Outcome;
  /** Everything to print: what was compared, oasdiff's own report, and the verdict. */
  output: string;
}

/** oasdiff's exit code with --fail-on ERR when it found a change of level ERR. */
const BREAKING_EXIT_CODE = 1;

export function checkApiCompatibility(options: CheckOptions): CheckResult {
  const repository = topLevel(options.repository);
  const lines: string[] = [];
  const done = (passed: boolean, outcome: Outcome, verdict: string): CheckResult => {
    lines.push(`${passed ? 'PASS' : 'FAIL'}: ${verdict}`);
    return { passed, outcome, output: `${lines.join('\n')}\n` };
  };

  const revisionPath = join(repository, options.document);
  if (!existsSync(revisionPath)) {
    throw new Error(`${options.document} does not exist in ${repository}`);
  }

  const tag = lastReleaseTag(repository);
  if (tag === undefined) {
    const shallow = isShallow(repository);
    if (shallow) {
      lines.push(
        'This clone is shallow: its history, and any release tag in it, may be cut off.',
        'Fetch the whole history with its tags (`git fetch --unshallow --tags`) for the check to see the last release.',
      );
    }
    return done(
      true,
      { kind: 'no-release', shallow },
      `no release tag (v<semver>, such as v1.0.0) is reachable from HEAD, so there is no released ${options.document} ` +
        'to compare with: nothing has been released, nothing can break.',
    );
  }
  const base = fileAt(repository, tag, options.document);
  if (base === undefined) {
    return done(
      true,
      { kind: 'not-in-release', tag },
      `${tag} has no ${options.document}: nothing of it was released, nothing can break.`,
    );
  }
  const revision = readFileSync(revisionPath, 'utf8');
  const baseVersion = documentVersion(base);
  const revisionVersion = documentVersion(revision);
  lines.push(
    `Comparing ${options.document} (version ${revisionVersion ?? 'unknown'}) with ${tag}'s ` +
      `(version ${baseVersion ?? 'unknown'}): oasdiff breaking --fail-on ERR`,
    '',
  );

  const diff = runOasdiff(options.oasdiff, { tag, document: options.document, base, revision });
  lines.push(diff.output.trimEnd(), '');

  if (diff.exitCode !== 0 && diff.exitCode !== BREAKING_EXIT_CODE) {
    return done(
      false,
      { kind: 'oasdiff-failed', tag, exitCode: diff.exitCode },
      `oasdiff could not compare the documents (exit code ${diff.exitCode ?? diff.signal}); see its message above.`,
    );
  }
  if (diff.exitCode === 0) {
    return done(
      true,
      { kind: 'compatible', tag, baseVersion, revisionVersion },
      `no breaking change since ${tag}.`,
    );
  }

  const baseMajor = majorOf(baseVersion);
  const revisionMajor = majorOf(revisionVersion);
  if (
    baseMajor === undefined ||
    revisionMajor === undefined ||
    baseVersion === undefined ||
    revisionVersion === undefined
  ) {
    return done(
      false,
      { kind: 'breaking', tag, baseVersion, revisionVersion },
      `breaking changes since ${tag}, and whether the major version grew cannot be told: info.version is ` +
        `${JSON.stringify(baseVersion)} in ${tag} and ${JSON.stringify(revisionVersion)} now; both must be semantic versions.`,
    );
  }
  if (revisionMajor > baseMajor) {
    return done(
      true,
      { kind: 'breaking-with-major-bump', tag, baseVersion, revisionVersion },
      `the breaking changes above come with a new major version (${baseVersion} in ${tag}, ${revisionVersion} now).`,
    );
  }
  return done(
    false,
    { kind: 'breaking', tag, baseVersion, revisionVersion },
    `breaking changes since ${tag} (listed above) need a new major version, and ${revisionVersion} keeps ` +
      `${tag}'s major ${baseMajor} (${baseVersion}). Restore compatibility, or release them as ${baseMajor + 1}.0.0` +
      `${options.howToBumpMajor ? `: ${options.howToBumpMajor}` : ''}.`,
  );
}

/**
 * Changes oasdiff reports only as info that break what generated clients are
 * built from: operationIds name their methods, tags group them into classes,
 * and component schemas name their types (the document promises operationIds
 * never change). Here they are errors, like a removed operation.
 */
const SEVERITY_LEVELS = [
  'api-operation-id-removed err',
  'api-tag-removed err',
  'api-schema-removed err',
  '',
].join('\n');
const SEVERITY_LEVELS_FILE = 'severity-levels.txt';

interface OasdiffRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * `oasdiff breaking <base> <revision> --fail-on ERR` on copies of both documents
 * in a scratch folder: named `<tag>/<document>` and `work-tree/<document>` in its
 * report, and out of reach of any oasdiff configuration file lying around.
 */
function runOasdiff(
  oasdiff: string,
  { tag, document, base, revision }: { tag: string; document: string; base: string; revision: string },
): OasdiffRun {
  const scratch = mkdtempSync(join(tmpdir(), 'meridian-api-compat-'));
  try {
    const basePath = join(tag, document);
    const revisionPath = join('work-tree', document);
    for (const [path, text] of [
      [basePath, base],
      [revisionPath, revision],
    ] as const) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), text);
    }
    writeFileSync(join(scratch, SEVERITY_LEVELS_FILE), SEVERITY_LEVELS);
    const env = { ...process.env };
    delete env.OASDIFF_CONFIG;
    const result = spawnSync(
      oasdiff,
      [
        'breaking',
        basePath,
        revisionPath,
        '--fail-on',
        'ERR',
        '--color',
        'never',
        // Both documents are self-contained; a $ref out of them is refused, never fetched.
        '--allow-external-refs=false',
        '--severity-levels',
        SEVERITY_LEVELS_FILE,
      ],
      { cwd: scratch, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
    );
    if (result.error) throw new Error(`${oasdiff}: ${result.error.message}`);
    return {
      exitCode: result.status,
      signal: result.signal,
      output: [result.stdout, result.stderr].filter((text) => text.trim() !== '').join('\n'),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
