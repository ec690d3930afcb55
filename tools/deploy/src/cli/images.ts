/**
 * `./meridian images [<image> ...]`: builds the images named, or every one when
 * none is (each service of the registry, then each tool of TOOL_IMAGES), from
 * docker/Dockerfile with BuildKit, tagged meridian-<name>:local (compose's tags),
 * and checks what each built image is:
 *   - runs node as uid 65532 in exec form, in its workspace, with the OCI labels;
 *   - has no shell, and no package that exists only to build or test;
 *   - a tool answers `dist/cli.js --help` with exit code 0;
 *   - with MERIDIAN_SYFT set (scripts/ensure-docker.sh): its CycloneDX SBOM,
 *     written to MERIDIAN_SBOM_DIR (default: a temporary folder), lists every npm
 *     package the image holds.
 * A service's image is started, migrated, used and stopped by `./meridian check-compose`.
 *
 * Base images: MERIDIAN_BUILD_IMAGE and MERIDIAN_RUNTIME_IMAGE when set (the
 * stand-ins of scripts/ensure-stand-in-images.sh), else the Dockerfile's pins.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry } from '@meridian/service-registry';
import { dockerResult } from '../docker/engine';
import {
  buildImage,
  IMAGE_LAYOUT,
  imageConfig,
  imagePackages,
  type ImageKind,
  type ImagePackage,
  shellsIn,
} from '../docker/image-build';
import { imageProblems } from '../docker/image-rules';
import { npmComponents, unlistedPackages, writeSbom } from '../docker/sbom';
import { TOOL_IMAGES } from '../images';

/** A tool's image: its CMD with --help, with no network, exits 0. */
function checkToolAnswers(tool: string, tag: string): string[] {
  const result = dockerResult(['run', '--rm', '--network', 'none', tag, IMAGE_LAYOUT.tool.entry, '--help']);
  return result.status === 0
    ? []
    : [`${IMAGE_LAYOUT.tool.entry} --help exited ${result.status}: ${result.stderr}`];
}

/** The SBOM lists every npm package the image holds; returns the problems. */
function checkSbom(
  app: string,
  tag: string,
  packages: ImagePackage[],
  syft: string,
  folder: string,
): string[] {
  const file = join(folder, `meridian-${app}.cdx.json`);
  writeSbom(syft, tag, file);
  const listed = npmComponents(file);
  const unlisted = unlistedPackages(packages, listed);
  console.log(
    `[${app}] SBOM ${file}: ${listed.size} npm components; the image holds ${packages.length} packages`,
  );
  return unlisted.length === 0
    ? []
    : [`the SBOM does not list ${unlisted.length}: ${unlisted.slice(0, 20).join(', ')}`];
}

async function main() {
  const services = loadRegistry().services.map((service) => service.name);
  const known = [...services, ...TOOL_IMAGES];
  const requested = process.argv.slice(2);
  const images = requested.length > 0 ? requested : known;
  if (images.some((image) => !known.includes(image))) {
    console.error(
      `usage: images [<${known.join('|')}> ...] (none: every service of the registry, then every tool)`,
    );
    process.exit(64);
  }
  const syft = process.env.MERIDIAN_SYFT;
  const sbomFolder = process.env.MERIDIAN_SBOM_DIR ?? mkdtempSync(join(tmpdir(), 'meridian-sbom-'));
  mkdirSync(sbomFolder, { recursive: true });
  const failed: string[] = [];
  for (const app of images) {
    const kind: ImageKind = TOOL_IMAGES.includes(app) ? 'tool' : 'service';
    console.log(`\n### ${app}: docker buildx build (${IMAGE_LAYOUT[kind].target} target)`);
    const tag = await buildImage(app, kind);
    // Read back once: the engine's record of the image, and what the image's own node finds in it.
    const { Config: config, Size: bytes } = imageConfig(tag);
    const packages = imagePackages(tag);
    const problems = [
      ...imageProblems(app, kind, { config, shells: shellsIn(tag), packages }),
      ...(kind === 'tool' ? checkToolAnswers(app, tag) : []),
      ...(syft ? checkSbom(app, tag, packages, syft, sbomFolder) : []),
    ];
    const size = bytes / 1_048_576;
    if (problems.length > 0) {
      failed.push(app);
      console.error(`[${app}] ${tag}:\n  - ${problems.join('\n  - ')}`);
    } else {
      console.log(`[${app}] ${tag} (${size.toFixed(0)} MB): uid 65532, no shell, no development packages`);
    }
  }
  if (!syft)
    console.log('\nMERIDIAN_SYFT is not set: no SBOM was written (scripts/ensure-docker.sh builds syft).');
  if (failed.length > 0) {
    console.error(`\nimages with problems: ${failed.join(', ')}`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
