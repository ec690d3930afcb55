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
