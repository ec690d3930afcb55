import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRegistry } from '../src/registry';
import { currentNames, type ForkNames } from '../src/rename';
import { Repository } from '../src/repository';
import { type KubeObject, renderChart, valuesFiles } from './support/helm';
import { CLI, ScratchRepository, SOURCE_ROOT } from './support/scratch-repository';

/** A fork's own names; the image registry differs from the template's on purpose. */
const FORK: ForkNames = {
  scope: '@acme',
  chart: 'acme-pay',
  imagePrefix: 'registry.acme.example/payments/pay',
  problemBase: 'https://problems.acme.example/',
  repository: 'https://github.com/acme/pay',
};
// Building every workspace in a copy of the repository takes minutes on a
// busy machine; these limits only stop a hung command, they assert nothing.
const HOURS = 60 * 60_000;

describe('a fork renamed in one step, in a copy of the repository', () => {
  const old = currentNames(Repository.find(SOURCE_ROOT));
  let scratch: ScratchRepository;
  let repo: Repository;
  let cliOutput: string;

  beforeAll(async () => {
    scratch = ScratchRepository.create('rename');
    cliOutput = await scratch.succeed('node', [
      CLI,
      'rename',
      '--scope',
      FORK.scope,
      '--chart',
      FORK.chart,
      '--image-prefix',
      FORK.imagePrefix,
      '--problem-base',
      FORK.problemBase,
      '--repository',
      FORK.repository,
    ]);
    scratch.linkDependencies(); // as `npm install` would: the workspaces under their new names
    repo = Repository.find(scratch.dir);
  }, HOURS);

  afterAll(() => {
    scratch?.remove();
  });

  it('leaves none of the old names in any file (grep), and says what it renamed', async () => {
    const oldNames = [
      `${old.scope}/`,
      `deploy/helm/${old.chart}/`,
      `"${old.chart}.`,
      `app.kubernetes.io/name: ${old.chart}`,
      old.imagePrefix,
      old.problemBase,
      old.repository,
    ];
    const grep = await scratch.run('grep', [
      '--recursive',
      '--line-number',
      '--binary-files=without-match',
      '--fixed-strings',
      '--exclude-dir=node_modules',
      '--exclude-dir=.git',
      ...oldNames.flatMap((name) => ['-e', name]),
      '.',
    ]);
    expect(grep).toEqual({ code: 1, output: '' }); // grep's "nothing found"
    for (const category of Object.keys(FORK)) expect(cliOutput).toContain(`${category}: `);
  });

  it(
    'gives every workspace the new scope, in package.json and in the lockfile, which npm leaves as it is',
    async () => {
      expect(repo.scope).toBe(FORK.scope);
      const lockfile = readFileSync(scratch.path('package-lock.json'), 'utf8');
      const { packages } = JSON.parse(lockfile) as { packages: Record<string, unknown> };
      for (const workspace of repo.workspaces)
        expect(packages[`node_modules/${workspace.name}`]).toEqual({ resolved: workspace.dir, link: true });
      await scratch.succeed('npm', [
        'install',
        '--package-lock-only',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
      ]);
      expect(readFileSync(scratch.path('package-lock.json'), 'utf8')).toBe(lockfile);
    },
    HOURS,
  );

  it(
    'builds and typechecks every workspace under the new scope',
    async () => {
      await scratch.succeed('npx', [
        'turbo',
        'run',
        'build',
        'typecheck',
        '--concurrency=2',
        '--output-logs=errors-only',
      ]);
    },
    HOURS,
  );

  it(
    'serves problem types under the new base URL',
    async () => {
      const problemType = await scratch.succeed('node', [
        '--print',
        `require(${JSON.stringify(`${FORK.scope}/bootstrap`)}).problemType('not-found')`,
      ]);
      expect(problemType.trim()).toBe(`${FORK.problemBase}not-found`);
    },
    HOURS,
  );

  it(
    'moves and renames the chart, which renders with every values file: new labels, images under the new prefix',
    async () => {
      expect(repo.relative(repo.chartDir)).toBe(join('deploy', 'helm', FORK.chart));
      expect(readFileSync(join(repo.chartDir, 'Chart.yaml'), 'utf8')).toMatch(
        new RegExp(`^name: ${FORK.chart}$`, 'm'),
      );
      expect(readdirSync(join(SOURCE_ROOT, 'deploy', 'helm'))).toEqual([old.chart]);
      const localName = FORK.imagePrefix.split('/').pop()!;
      const apps = Object.keys(readRegistry(readFileSync(repo.registryFile, 'utf8'), 'values.yaml'));
      for (const valuesFile of valuesFiles(repo.chartDir)) {
        const objects: KubeObject[] = await renderChart(scratch, repo.chartDir, valuesFile);
        const labelled = objects.filter((object) => object.metadata.labels?.['app.kubernetes.io/name']);
        expect(labelled.length).toBeGreaterThan(0);
        expect(new Set(labelled.map((object) => object.metadata.labels!['app.kubernetes.io/name']))).toEqual(
          new Set([FORK.chart]),
        );
        // The apps' images, by the registry's names; datastores' images are not ours to rename.
        const images = (JSON.stringify(objects).match(/"image":"[^"]+"/g) ?? []).map((image) =>
          image.slice(9, -1),
        );
        const appImages = images.filter((image) => apps.some((app) => new RegExp(`-${app}[:@]`).test(image)));
        expect(appImages.length).toBeGreaterThanOrEqual(apps.length);
        for (const image of appImages)
          expect([
            valuesFile,
            image.startsWith(`${FORK.imagePrefix}-`) || image.startsWith(`localhost/${localName}-`),
          ]).toEqual([valuesFile, true]);
      }
    },
    HOURS,
  );
});
