import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmComponents, unlistedPackages } from '../src/docker/sbom';

describe("an image's SBOM against the npm packages the image holds", () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'meridian-sbom-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  const sbom = (components: { name: string; version?: string; purl?: string }[]) => {
    const file = join(folder, 'image.cdx.json');
    writeFileSync(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components }));
    return file;
  };
  const image = [
    { name: '@prisma/client', version: '7.1.0', path: '/app/node_modules/@prisma/client' },
    { name: 'pg', version: '8.16.3', path: '/app/node_modules/pg' },
    { name: 'pg', version: '8.16.3', path: '/app/node_modules/other/node_modules/pg' },
    { name: 'zod', version: '4.1.0', path: '/app/node_modules/zod' },
  ];

  it('reads scoped npm components from their package URLs, and ignores components that are not npm packages', () => {
    const listed = npmComponents(
      sbom([
        { name: 'client', purl: 'pkg:npm/%40prisma/client@7.1.0' },
        { name: 'pg', purl: 'pkg:npm/pg@8.16.3?package-id=1' },
        { name: 'libc6', purl: 'pkg:deb/debian/libc6@2.36-9?arch=amd64' },
        { name: 'node' },
      ]),
    );
    expect([...listed].sort()).toEqual(['@prisma/client@7.1.0', 'pg@8.16.3']);
  });

  it('names each name@version of the image the SBOM leaves out, once', () => {
    const listed = npmComponents(
      sbom([
        { name: 'client', purl: 'pkg:npm/%40prisma/client@7.1.0' },
        { name: 'zod', purl: 'pkg:npm/zod@4.0.0' },
      ]),
    );
    expect(unlistedPackages(image, listed)).toEqual(['pg@8.16.3', 'zod@4.1.0']);
  });

  it('refuses a document that is not CycloneDX', () => {
    const file = join(folder, 'spdx.json');
    writeFileSync(file, JSON.stringify({ spdxVersion: 'SPDX-2.3', packages: [] }));
    expect(() => npmComponents(file)).toThrow('is not a CycloneDX document');
  });
});
