import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDockerfile } from '../src/dockerfile/parse';
import { contextFiles, reproduceImage } from '../src/dockerfile/reproduce';
import { REPO_ROOT } from '../src/toolchain';

describe('docker/Dockerfile', () => {
  const dockerfile = parseDockerfile(readFileSync(join(REPO_ROOT, 'docker', 'Dockerfile'), 'utf8'));
  const runtime = dockerfile.stages.at(-1)!;
  const instructions = (keyword: string) =>
    runtime.instructions.filter((instruction) => instruction.keyword === keyword);

  it('builds in stages: prune, build, release, then a distroless runtime', () => {
    expect(dockerfile.stages.map((stage) => stage.name)).toEqual(['prune', 'build', 'release', 'runtime']);
    expect(dockerfile.globalArgs.RUNTIME_IMAGE).toBe('gcr.io/distroless/nodejs24-debian13:nonroot');
    expect(dockerfile.globalArgs.BUILD_IMAGE).toMatch(/^node:24\.\d+\.\d+-/);
  });

  it('prunes with turbo and installs with scripts ignored, production dependencies only in the release', () => {
    const runs = (stage: string) =>
      dockerfile.stages
        .find((candidate) => candidate.name === stage)!
        .instructions.filter((i) => i.keyword === 'RUN')
        .map((i) => i.args)
        .join('\n');
    expect(runs('prune')).toContain('turbo prune "@meridian/${APP}" --docker');
    expect(runs('build')).toContain('npm ci --ignore-scripts');
    expect(runs('build')).toContain('turbo run build');
    expect(runs('release')).toMatch(/npm ci --omit=dev .*--ignore-scripts/);
  });

  it('runs node directly as uid 65532, exec form, with no RUN in the runtime stage (it has no shell)', () => {
    expect(instructions('RUN')).toEqual([]);
    expect(instructions('USER').map((i) => i.args)).toEqual(['65532:65532']);
    expect(instructions('ENTRYPOINT').map((i) => i.args)).toEqual(['["/nodejs/bin/node"]']);
    expect(instructions('CMD').map((i) => i.args)).toEqual(['["dist/main.js"]']);
    expect(instructions('LABEL')[0]!.args).toContain('org.opencontainers.image.source');
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
