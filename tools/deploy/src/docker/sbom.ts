/**
 * The SBOM of a built image, by syft (built from its Go module by
 * scripts/ensure-docker.sh), in CycloneDX JSON; and the check that it lists
 * every npm package the image holds.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ImagePackage } from './image-build';

interface CycloneDx {
  bomFormat: string;
  components?: { name: string; version?: string; purl?: string }[];
}

/** Writes the image's SBOM to `file` (syft reads the image from the engine: no registry). */
export function writeSbom(syft: string, tag: string, file: string): void {
  execFileSync(syft, ['scan', `docker:${tag}`, '--quiet', '--output', `cyclonedx-json=${file}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** `name@version` of every npm component, from its package URL (pkg:npm/%40scope/name@version). */
export function npmComponents(file: string): Set<string> {
  const sbom = JSON.parse(readFileSync(file, 'utf8')) as CycloneDx;
  if (sbom.bomFormat !== 'CycloneDX') throw new Error(`${file} is not a CycloneDX document`);
  const listed = new Set<string>();
  for (const component of sbom.components ?? []) {
    const match = /^pkg:npm\/([^@?#]+)@([^?#]+)/.exec(component.purl ?? '');
    if (match) listed.add(`${decodeURIComponent(match[1]!)}@${decodeURIComponent(match[2]!)}`);
  }
  return listed;
}

/** The image's packages the SBOM does not list (one entry per name@version). */
export function unlistedPackages(packages: ImagePackage[], listed: Set<string>): string[] {
  const inImage = new Set(packages.map((item) => `${item.name}@${item.version}`));
  return [...inImage].filter((item) => !listed.has(item)).sort();
}
