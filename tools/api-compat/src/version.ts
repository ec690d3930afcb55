/**
 * The semantic version in an OpenAPI document's `info.version`, as far as the
 * compatibility rule needs it: its major part. A leading `v`, a pre-release and
 * build metadata are accepted; anything else is not a semantic version.
 */
const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** The major part of a semantic version, or undefined when `version` is not one. */
export function majorOf(version: string | undefined): number | undefined {
  const match = version === undefined ? null : SEMVER.exec(version);
  return match ? Number(match[1]) : undefined;
}

/**
 * Orders two semantic versions by precedence (major, minor, patch; a
 * pre-release before its release, compared as text); both must be ones.
 */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => {
    const match = SEMVER_PARTS.exec(version)!;
    return { numbers: [1, 2, 3].map((i) => Number(match[i])), pre: match[4] };
  };
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x.numbers[i] !== y.numbers[i]) return x.numbers[i]! - y.numbers[i]!;
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

const SEMVER_PARTS = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/;

/** A release tag is `v` and a semantic version: `v1.4.0`, `v2.0.0-rc.1`. */
export const isReleaseTag = (tag: string) => tag.startsWith('v') && majorOf(tag) !== undefined;

/** `info.version` of an OpenAPI document's text, or undefined when it has none (or is not JSON). */
export function documentVersion(text: string): string | undefined {
  try {
    const document = JSON.parse(text) as { info?: { version?: unknown } };
    const version = document.info?.version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}
