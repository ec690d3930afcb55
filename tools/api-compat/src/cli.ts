/**
 * `npm run check:api-compat` (from the repository's top; `./meridian test` runs
 * it too, through this workspace's tests): compares apps/api/openapi.json with
 * the last release's, prints what oasdiff found and the verdict, and exits 1
 * when a breaking change comes without a new major version.
 *
 *   node tools/api-compat/dist/cli.js [--repository <folder>] [--document <path from its top>]
 *
 * oasdiff comes from MERIDIAN_OASDIFF (`. scripts/ensure-oasdiff.sh`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkApiCompatibility } from './check';

/** The api's document, and how its version is raised (info.version is apps/api/package.json's version). */
const API_DOCUMENT = 'apps/api/openapi.json';
const HOW_TO_BUMP_API_MAJOR =
  "set apps/api/package.json's version, then `npm run openapi -w @meridian/api` writes it into the document";

function main(): number {
  const { values } = parseArgs({
    options: {
      repository: { type: 'string', default: resolve(__dirname, '..', '..', '..') },
      document: { type: 'string', default: API_DOCUMENT },
    },
  });
  const oasdiff = process.env.MERIDIAN_OASDIFF;
  if (!oasdiff || !existsSync(oasdiff)) {
    process.stderr.write(
      `MERIDIAN_OASDIFF is ${oasdiff ? `${oasdiff}, which does not exist` : 'not set'}: ` +
        'run `. scripts/ensure-oasdiff.sh` first (`npm run check:api-compat` and ./meridian test do)\n',
    );
    return 2;
  }
  const result = checkApiCompatibility({
    repository: values.repository,
    document: values.document,
    oasdiff,
    howToBumpMajor: values.document === API_DOCUMENT ? HOW_TO_BUMP_API_MAJOR : undefined,
  });
  process.stdout.write(`api compatibility (oasdiff)\n${result.output}`);
  return result.passed ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  // A repository git cannot read, a tag that is not v<semver>, a missing document: say which, and fail.
  process.stderr.write(
    `api compatibility check failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 2;
}
