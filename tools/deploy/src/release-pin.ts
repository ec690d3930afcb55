/**
 * Pins a release in production's Argo CD Application (deploy/argocd/production.yaml):
 * `targetRevision: v<version>`, and in `helm.valuesObject` the image tag and
 * each service's `imageDigest`, from the images workflow's release-digests.json
 * (`{"<image>": "sha256:..."}`, one per image it built for the tag). The tree a
 * release is built from cannot hold its own images' digests, so the Application
 * holds them, and the chart refuses to render it without them
 * (`image.requireDigests`). deploy/README.md, "Releasing", has the steps:
 *
 *   ./meridian run build -w @meridian/deploy
 *   node tools/deploy/dist/release-pin.js 0.2.0 release-digests.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument, Scalar } from 'yaml';
import { readServiceRegistry } from './service-registry';
import { ARGOCD_DIR } from './toolchain';

export const PRODUCTION_APPLICATION = join(ARGOCD_DIR, 'production.yaml');

const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface PinnedRelease {
  /** The Application's new text. */
  text: string;
  /** Images of release-digests the chart does not deploy (tool images such as the load test's). */
  skipped: string[];
}

/**
 * The Application's text with the release pinned: every service of `services`
 * needs a digest; comments and the rest of the text stay as they are.
 */
export function pinRelease(
  applicationYaml: string,
  version: string,
  digests: Record<string, unknown>,
  services: string[],
): PinnedRelease {
  const bare = version.replace(/^v/, '');
  if (!VERSION.test(bare)) throw new Error(`${JSON.stringify(version)} is not a release version (1.2.3)`);
  const problems = services.flatMap((service) => {
    const digest = digests[service];
    if (typeof digest === 'string' && DIGEST.test(digest)) return [];
    return [
      `${service}: ${digest === undefined ? 'no digest' : `${JSON.stringify(digest)} is not sha256:<64 hex>`}`,
    ];
  });
  if (problems.length > 0) throw new Error(`release digests: ${problems.join('; ')}`);
  const document = parseDocument(applicationYaml);
  const values = ['spec', 'source', 'helm', 'valuesObject'];
  if (document.getIn([...values, 'image', 'requireDigests']) !== true)
    throw new Error(`the Application does not set ${values.join('.')}.image.requireDigests: true`);
  const quoted = (value: string) => Object.assign(new Scalar(value), { type: Scalar.QUOTE_SINGLE });
  document.setIn(['spec', 'source', 'targetRevision'], `v${bare}`);
  document.setIn([...values, 'image', 'tag'], quoted(bare));
  for (const service of services)
    document.setIn([...values, 'services', service, 'imageDigest'], digests[service]);
  return {
    text: document.toString({ lineWidth: 0, flowCollectionPadding: false }),
    skipped: Object.keys(digests)
      .filter((image) => !services.includes(image))
      .sort(),
  };
}

/** release-pin <version> <release-digests.json> [<application.yaml>, production's by default] */
function main(args: string[]): number {
  if (args.length < 2 || args.length > 3) {
    process.stderr.write('usage: release-pin <version> <release-digests.json> [<application.yaml>]\n');
    return 64;
  }
  const [version, digestsFile, application = PRODUCTION_APPLICATION] = args as [string, string, string?];
  const digests = JSON.parse(readFileSync(resolve(digestsFile), 'utf8')) as Record<string, unknown>;
  const services = readServiceRegistry().map((service) => service.name);
  const pinned = pinRelease(readFileSync(application, 'utf8'), version, digests, services);
  writeFileSync(application, pinned.text);
  process.stdout.write(
    `${application}: v${version.replace(/^v/, '')}, ${services.map((service) => `${service}@${String(digests[service])}`).join(', ')}\n`,
  );
  if (pinned.skipped.length > 0)
    process.stdout.write(`not deployed by the chart, left out: ${pinned.skipped.join(', ')}\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`release-pin: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
