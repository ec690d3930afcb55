import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseDockerfile } from '../src/dockerfile/parse';
import { contextFiles, reproduceImage, stagesFor } from '../src/dockerfile/reproduce';
import { TOOL_IMAGES, TOOL_TARGET } from '../src/images';
import { readServiceRegistry } from '../src/service-registry';
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
  const services = readServiceRegistry().map((service) => service.name);
  /** What `docker inspect` would show of an image, its folders relative to the image's root. */
  const configOf = (app: string, target?: string) => {
    const workspace = mkdtempSync(join(tmpdir(), 'meridian-dockerfile-config-'));
    try {
      const image = reproduceImage({
        dockerfile: path,
        context: REPO_ROOT,
        workspace,
        buildArgs: { APP: app },
        configOnly: true,
        ...(target ? { target } : {}),
      });
      return { ...image, root: undefined, workdir: `/${relative(image.root, image.workdir)}` };
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  };

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

  it.each(services)(
    "builds the %s service's image by default, configured as before the tool target existed",
    (app) => {
      expect(configOf(app)).toEqual({
        root: undefined,
        finalImage: 'gcr.io/distroless/nodejs24-debian13:nonroot',
        workdir: `/app/apps/${app}`,
        command: [process.execPath, 'dist/main.bundle.js'],
        user: '65532:65532',
        env: { NODE_ENV: 'production', NODE_COMPILE_CACHE: '/tmp/node-compile-cache' },
        labels: {
          'org.opencontainers.image.title': `meridian-${app}`,
          'org.opencontainers.image.description': `Meridian ${app} service`,
          'org.opencontainers.image.source': '',
          'org.opencontainers.image.licenses': 'Apache-2.0',
          'org.opencontainers.image.version': '0.0.0-dev',
          'org.opencontainers.image.revision': 'unknown',
          'org.opencontainers.image.created': '1970-01-01T00:00:00Z',
          'org.opencontainers.image.base.name': 'gcr.io/distroless/nodejs24-debian13:nonroot',
        },
      });
    },
  );

  it.each(TOOL_IMAGES)(
    "builds the %s tool's image with the tool target: node dist/cli.js in its folder, otherwise as a service's",
    (app) => {
      const config = configOf(app, TOOL_TARGET);
      const service = configOf(services[0]!);
      expect(config).toEqual({
        ...service,
        workdir: `/app/tools/${app}`,
        command: [process.execPath, 'dist/cli.js'],
        labels: {
          ...service.labels,
          'org.opencontainers.image.title': `meridian-${app}`,
          'org.opencontainers.image.description': `Meridian ${app} command-line tool`,
        },
      });
    },
  );

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

  it('builds only the stages a target needs, as BuildKit does', () => {
    const names = (target: string) =>
      stagesFor(dockerfile, target, dockerfile.globalArgs).map((candidate) => candidate.name);
    expect(names('runtime')).toEqual(['prune', 'build', 'release', 'runtime-base', 'runtime']);
    expect(names(TOOL_TARGET)).toEqual(['prune', 'build', 'release', 'runtime-base', TOOL_TARGET]);
    expect(names('prune')).toEqual(['prune']);
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

describe('reproducing a Dockerfile outside Docker', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'meridian-dockerfile-'));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  function fixture(dockerfileText: string) {
    const context = join(workspace, 'ctx');
    mkdirSync(join(context, 'src'), { recursive: true });
    writeFileSync(join(context, 'src', 'app.txt'), 'hello');
    writeFileSync(join(context, 'secret.env'), 'nope');
    writeFileSync(join(context, '.dockerignore'), '*.env\n');
    writeFileSync(join(context, 'Dockerfile'), dockerfileText);
    return {
      dockerfile: join(context, 'Dockerfile'),
      context,
      workspace: join(workspace, 'out'),
      buildArgs: { NAME: 'world' },
    };
  }

  it('runs each stage in order, honours .dockerignore, and copies between stages', () => {
    const image = reproduceImage(
      fixture(
        [
          'ARG BASE=node:24',
          'FROM ${BASE} AS build',
          'ARG NAME',
          'WORKDIR /work',
          'COPY . .',
          'RUN test ! -e secret.env && echo "$(cat src/app.txt) ${NAME}" > out.txt',
          'FROM gcr.io/distroless/nodejs24-debian13:nonroot',
          'COPY --from=build /work/out.txt /app/',
          'WORKDIR /app',
          'USER 65532:65532',
          'CMD ["main.js"]',
        ].join('\n'),
      ),
    );
    expect(readFileSync(join(image.workdir, 'out.txt'), 'utf8')).toBe('hello world\n');
    expect(existsSync(join(image.root, 'work'))).toBe(false);
    expect(image.command).toEqual(['main.js']);
    expect(image.user).toBe('65532:65532');
  });

  it('starts a stage FROM an earlier one with its files and configuration, and builds only what the target needs', () => {
    const options = fixture(
      [
        'FROM node:24 AS build',
        'WORKDIR /work',
        'RUN echo built > out.txt',
        'FROM node:24 AS unused',
        'RUN exit 7',
        'FROM gcr.io/distroless/nodejs24-debian13:nonroot AS base',
        'ARG NAME',
        'LABEL title="app-${NAME}"',
        'ENV MODE=production',
        'COPY --from=build /work/out.txt /app/',
        'USER 65532:65532',
        'ENTRYPOINT ["/nodejs/bin/node"]',
        'CMD ["ignored.js"]',
        'FROM base AS tool',
        'WORKDIR /app',
        'CMD ["cli.js"]',
        'FROM base AS service',
        'ENTRYPOINT ["/nodejs/bin/node", "--enable-source-maps"]',
        'WORKDIR /app',
      ].join('\n'),
    );
    const tool = reproduceImage({ ...options, target: 'tool' });
    expect(readFileSync(join(tool.workdir, 'out.txt'), 'utf8')).toBe('built\n');
    expect(tool.command).toEqual([process.execPath, 'cli.js']);
    expect(tool).toMatchObject({
      user: '65532:65532',
      env: { MODE: 'production' },
      labels: { title: 'app-world' },
      finalImage: 'gcr.io/distroless/nodejs24-debian13:nonroot',
    });
    // The last stage by default; a new ENTRYPOINT drops the inherited CMD, as in Docker.
    const service = reproduceImage({ ...options, workspace: join(workspace, 'out-service') });
    expect(service.command).toEqual([process.execPath, '--enable-source-maps']);
    expect(() =>
      reproduceImage({ ...options, workspace: join(workspace, 'out-unused'), target: 'unused' }),
    ).toThrow('RUN exited 7');
  });

  it('fails on the line whose RUN fails', () => {
    expect(() => reproduceImage(fixture(['FROM node:24', 'RUN true', 'RUN exit 3'].join('\n')))).toThrow(
      'Dockerfile line 3: RUN exited 3',
    );
  });

  it('refuses shell-form CMD and instructions it cannot reproduce', () => {
    expect(() => reproduceImage(fixture(['FROM node:24', 'CMD node main.js'].join('\n')))).toThrow(
      'exec form',
    );
    expect(() => parseDockerfile('FROM node:24\nHEALTHCHECK CMD true')).toThrow(
      'unsupported instruction HEALTHCHECK',
    );
  });
});
