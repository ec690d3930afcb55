import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile } from '../src/dockerfile/parse';
import { contextFiles } from '../src/dockerfile/context';
import { TOOL_IMAGES, TOOL_TARGET } from '../src/images';
import { REPO_ROOT } from '../src/toolchain';

describe('docker/Dockerfile', () => {
  const path = join(REPO_ROOT, 'docker', 'Dockerfile');
  const dockerfile = parseDockerfile(readFileSync(path, 'utf8'));
  const stage = (name: string) => dockerfile.stages.find((candidate) => candidate.name === name)!;
  const runs = (name: string) =>
    stage(name)
      .instructions.filter((i) => i.keyword === 'RUN')
      .map((i) => i.args)
      .join('\n');
  it('builds in stages: prune, build, release, then distroless runtimes for a tool and, by default, a service', () => {
    expect(dockerfile.stages.map((candidate) => candidate.name)).toEqual([
      'prune',
      'build',
      'release',
      'runtime-base',
      TOOL_TARGET,
      'runtime',
    ]);
    expect(dockerfile.globalArgs.RUNTIME_IMAGE).toBe('gcr.io/distroless/nodejs24-debian13:nonroot');
    expect(dockerfile.globalArgs.BUILD_IMAGE).toMatch(/^node:24\.\d+\.\d+-/);
    expect(stage(TOOL_TARGET).image).toBe('runtime-base');
    expect(stage('runtime').image).toBe('runtime-base');
  });

  it('prunes with turbo and installs with scripts ignored, production dependencies only in the release', () => {
    expect(runs('prune')).toContain('turbo prune "@meridian/${APP}" --docker');
    expect(runs('build')).toContain('npm ci --ignore-scripts');
    expect(runs('build')).toContain('turbo run build');
    expect(runs('release')).toMatch(/npm ci --omit=dev .*--ignore-scripts/);
  });

  it("gives a pruned tree what its build needs beyond its workspaces, and keeps what an app's or a tool's build makes", () => {
    // The api's typed client is generated from the api's document, which a tree without the api lacks.
    expect(runs('prune')).toContain(
      'if [ -d pruned/full/packages/sdk ]; then cp --parents apps/api/openapi.json pruned/full/; fi',
    );
    expect(readFileSync(join(REPO_ROOT, 'packages/sdk/scripts/generate.mjs'), 'utf8')).toContain(
      "'../../../apps/api/openapi.json'",
    );
    expect(runs('build')).toContain(
      'for output in apps/*/dist apps/*/prisma packages/*/dist tools/*/dist; do',
    );
  });

  it('runs node directly as uid 65532, exec form, with no RUN in the runtime stages (they have no shell)', () => {
    for (const name of ['runtime-base', TOOL_TARGET, 'runtime']) {
      expect(stage(name).instructions.filter((i) => i.keyword === 'RUN')).toEqual([]);
    }
    const only = (keyword: string) =>
      dockerfile.stages
        .slice(3)
        .flatMap((candidate) => candidate.instructions.filter((i) => i.keyword === keyword))
        .map((i) => i.args);
    expect(only('USER')).toEqual(['65532:65532']);
    expect(only('ENTRYPOINT')).toEqual(['["/nodejs/bin/node"]']);
    expect(only('CMD')).toEqual(['["dist/cli.js"]', '["dist/main.bundle.js"]']);
  });

  it.each(TOOL_IMAGES)(
    'finds what the tool target assumes of %s: package @meridian/<name> in tools/<name>, src/cli.ts compiled to dist/cli.js',
    (tool) => {
      const folder = join(REPO_ROOT, 'tools', tool);
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
        name: string;
        scripts: Record<string, string>;
      };
      expect(manifest.name).toBe(`@meridian/${tool}`);
      expect(manifest.scripts.build).toBe('tsc -p tsconfig.build.json');
      const build = JSON.parse(readFileSync(join(folder, 'tsconfig.build.json'), 'utf8')) as {
        compilerOptions: { rootDir: string; outDir: string };
      };
      expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      expect(existsSync(join(folder, 'src', 'cli.ts'))).toBe(true);
    },
  );

  it('names no syntax image and gives every npm command the optional CA secret, so it builds with no image registry', () => {
    const text = readFileSync(path, 'utf8');
    expect(text).not.toMatch(/^#\s*syntax=/m);
    const npmRuns = dockerfile.stages
      .flatMap((candidate) => candidate.instructions)
      .filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.args));
    expect(npmRuns).toHaveLength(3);
    for (const run of npmRuns) {
      expect(run.mounts).toContain('type=secret,id=ca,required=false');
      expect(run.args).toContain('NODE_EXTRA_CA_CERTS=/run/secrets/ca');
    }
  });

  it('sends no dependencies, build output or secrets as build context', () => {
    const files = contextFiles(REPO_ROOT);
    expect(files).toContain('package-lock.json');
    expect(files).toContain('apps/ledger/src/main.ts');
    for (const excluded of ['node_modules/', '/dist/', '.git/', '/test/', 'src/generated/', '.env']) {
      expect(files.filter((file) => file.includes(excluded) || file.startsWith(excluded))).toEqual([]);
    }
  });
});
