import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Repository } from '../src/repository';
import { componentKinds, renderChart, valuesFiles } from './support/helm';
import { CLI, ScratchRepository, SOURCE_ROOT } from './support/scratch-repository';

const NAME = 'notifications';
const CALLS = ['ledger'];
// Builds and real processes in a copy of the repository take minutes on a
// busy machine; these limits only stop a hung command, they assert nothing.
const HOURS = 60 * 60_000;

const source = Repository.find(SOURCE_ROOT);
/** The chart makes its objects from the registry once its templates read `.Values.services`. */
const chartReadsRegistry = readdirSync(join(source.chartDir, 'templates'), {
  recursive: true,
  encoding: 'utf8',
})
  .filter((file) => /\.(yaml|tpl)$/.test(file))
  .some((file) =>
    readFileSync(join(source.chartDir, 'templates', file), 'utf8').includes('.Values.services'),
  );
/** compose.yaml is written from the registry once tools/service-registry exists. */
const registryGeneratorExists = existsSync(source.path('tools', 'service-registry', 'package.json'));

describe(`a service generated into a copy of the repository (${NAME}, calling ${CALLS.join(', ')})`, () => {
  let scratch: ScratchRepository;
  let repo: Repository;
  let cliOutput: string;

  beforeAll(async () => {
    scratch = ScratchRepository.create('generator');
    cliOutput = await scratch.succeed('node', [CLI, 'new', 'service', NAME, '--calls', CALLS.join(',')]);
    repo = Repository.find(scratch.dir);
    // As `./meridian new` does next: the files written from the registry, each app's callers among them.
    await scratch.succeed('npm', ['run', 'generate:files', '-w', `${repo.scope}/service-registry`]);
  }, HOURS);

  afterAll(() => {
    scratch?.remove();
  });

  it('creates apps/<name> in the one layout, with a first migration, its registry entry and its lockfile entry', () => {
    const app = (...parts: string[]) => scratch.path('apps', NAME, ...parts);
    for (const file of [
      'package.json',
      'README.md',
      'tsconfig.json',
      'tsconfig.build.json',
      'jest.config.cjs',
      'prisma.config.ts',
      'prisma/schema.prisma',
      'prisma/migrations/migration_lock.toml',
      'src/main.ts',
      'src/config.ts',
      `src/${NAME}.module.ts`,
      'src/service-info.ts',
      'src/migrate.ts',
      'test/conventions.e2e.spec.ts',
    ])
      expect([file, existsSync(app(file))]).toEqual([file, true]);
    for (const layer of ['domain', 'application', 'infrastructure', 'http'])
      expect(readdirSync(app('src', layer)).length).toBeGreaterThan(0);
    expect(
      readdirSync(app('prisma', 'migrations')).filter((name) => /^\d{14}_notifications$/.test(name)),
    ).toHaveLength(1);

    const manifest = JSON.parse(readFileSync(app('package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(Object.keys(manifest.scripts)).toEqual(
      expect.arrayContaining(['build', 'lint', 'typecheck', 'test', 'generate', 'dev']),
    );

    const before = parse(readFileSync(source.registryFile, 'utf8')) as {
      services: Record<string, { port: number; managementPort: number }>;
    };
    const after = parse(readFileSync(repo.registryFile, 'utf8')) as typeof before;
    const { [NAME]: entry, ...others } = after.services;
    expect(others).toEqual(before.services);
    const ports = Object.values(before.services);
    expect(entry).toEqual({
      kind: 'Deployment',
      port: Math.max(...ports.map((p) => p.port)) + 1,
      managementPort: Math.max(...ports.map((p) => p.managementPort)) + 1,
      database: true,
      redis: 'none',
      calls: CALLS,
    });
    // Every other line of the values file, comments included, is as it was.
    const lines = (file: string) => readFileSync(file, 'utf8').split('\n');
    expect(lines(repo.registryFile).filter((line) => !lines(source.registryFile).includes(line))).toEqual(
      expect.arrayContaining([`  ${NAME}:`]),
    );
    expect(lines(source.registryFile).filter((line) => !lines(repo.registryFile).includes(line))).toEqual([]);

    const lock = JSON.parse(readFileSync(scratch.path('package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    expect(lock.packages[`apps/${NAME}`]).toMatchObject({ name: `${repo.scope}/${NAME}` });
    expect(lock.packages[`node_modules/${repo.scope}/${NAME}`]).toEqual({
      resolved: `apps/${NAME}`,
      link: true,
    });
    expect(cliOutput).toContain(`services.${NAME}`);
  });

  it.each([
    [[NAME], `"${NAME}" is taken`],
    [['config'], '"config" is taken'],
    [['Fraud_Check'], 'must be lower-case letters and digits'],
    [['redis'], '"redis" is reserved'],
    [['audit-migrate'], 'names migration jobs'],
    [['audit', '--calls', 'ledger,nowhere'], '--calls nowhere: no such service'],
    [['audit', '--port', '3001'], 'port 3001 is already used'],
  ])('refuses new service %j with exit code 64 (%s), and writes nothing', async (args, message) => {
    const registry = readFileSync(repo.registryFile, 'utf8');
    const result = await scratch.run('node', [CLI, 'new', 'service', ...args]);
    expect(result.code).toBe(64);
    expect(result.output).toContain(message);
    expect(existsSync(scratch.path('apps', 'audit'))).toBe(false);
    expect(readFileSync(repo.registryFile, 'utf8')).toBe(registry);
  });

  it(
    'builds, typechecks and lints the new app, and documents its environment in its README, formatted as prettier checks it',
    async () => {
      scratch.linkDependencies(); // as `npm install` would: the new workspace is linked
      await scratch.succeed('npx', [
        'turbo',
        'run',
        'build',
        'typecheck',
        'lint',
        `--filter=${repo.scope}/${NAME}`,
        '--concurrency=2',
        '--output-logs=errors-only',
      ]);
      await scratch.succeed('npm', ['run', 'docs:env', '--', NAME]);
      await scratch.succeed('npx', ['prettier', '--check', `apps/${NAME}`, repo.relative(repo.registryFile)]);
    },
    HOURS,
  );

  it(
    "passes its own tests against real processes on throwaway databases: the conventions suite, the example's API, migrate check",
    async () => {
      const output = await scratch.succeed('npx', [
        'turbo',
        'run',
        'test',
        `--filter=${repo.scope}/${NAME}`,
        '--output-logs=full',
      ]);
      expect(output).toMatch(/PASS .*conventions\.e2e\.spec\.ts/);
      expect(output).toMatch(/Tests: +\d+ passed, \d+ total/);
    },
    HOURS,
  );

  it(
    'renders the chart with every values file, values.schema.json accepting the new entry',
    async () => {
      for (const valuesFile of valuesFiles(repo.chartDir))
        expect((await renderChart(scratch, repo.chartDir, valuesFile)).length).toBeGreaterThan(0);
    },
    HOURS,
  );

  (chartReadsRegistry ? it : it.skip)(
    chartReadsRegistry
      ? "renders the new service's workload, Service and NetworkPolicy with every values file"
      : "renders the new service's objects: skipped, the chart does not read the services registry yet (no .Values.services in its templates)",
    async () => {
      for (const valuesFile of valuesFiles(repo.chartDir)) {
        const kinds = componentKinds(await renderChart(scratch, repo.chartDir, valuesFile), NAME);
        expect([valuesFile, kinds]).toEqual([
          valuesFile,
          expect.arrayContaining(['Deployment', 'NetworkPolicy', 'Service']),
        ]);
      }
    },
    HOURS,
  );

  (registryGeneratorExists ? it : it.skip)(
    registryGeneratorExists
      ? 'writes docker/compose.yaml with the new service and its migration from the registry, its callee accepts its token, and the compose checks accept it'
      : 'writes docker/compose.yaml with the new service: skipped, tools/service-registry is absent',
    async () => {
      await scratch.succeed('npm', ['run', 'generate']);
      const compose = parse(readFileSync(scratch.path('docker', 'compose.yaml'), 'utf8')) as {
        services: Record<string, unknown>;
      };
      expect(Object.keys(compose.services)).toEqual(expect.arrayContaining([NAME, `${NAME}-migrate`]));
      // Each callee lists the new service among its callers, so its config reads the token compose passes it.
      for (const callee of CALLS)
        expect(readFileSync(scratch.path('apps', callee, 'src', 'callers.ts'), 'utf8')).toContain(
          `'${NAME}'`,
        );
      // The deployment checks read every app's config schema from its build (the callees' now name the new caller).
      await scratch.succeed('npx', [
        'turbo',
        'run',
        'build',
        `--filter=${repo.scope}/deploy`,
        '--filter=./apps/*',
        '--concurrency=2',
        '--output-logs=errors-only',
      ]);
      await scratch.succeed('npx', ['jest', 'test/compose.spec.ts'], {
        cwd: scratch.path('tools', 'deploy'),
      });
    },
    HOURS,
  );
});
