import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRegistry } from '@meridian/service-registry';
import { parse } from 'yaml';
import { TOOL_IMAGES, TOOL_TARGET } from '../src/images';
import { type KubeObject } from '../src/kubernetes/manifests';
import { kubeconform } from '../src/kubernetes/kubeconform';
import { ARGOCD_DIR, CHART_DIR, REPO_ROOT, toolchain } from '../src/toolchain';

describe('Argo CD applications', () => {
  // Beside them, the AppProject they belong to (project.yaml, argocd-project.spec.ts).
  const applications = readdirSync(ARGOCD_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ name, object: parse(readFileSync(join(ARGOCD_DIR, name), 'utf8')) as KubeObject }))
    .filter(({ object }) => object.kind === 'Application');

  it('has one Application per environment of the chart', () => {
    const environments = readdirSync(CHART_DIR)
      .map((name) => /^values-([a-z]+)\.yaml$/.exec(name)?.[1])
      .filter(Boolean)
      .sort();
    expect(applications.map(({ name }) => name.replace('.yaml', '')).sort()).toEqual(environments);
  });

  it.each(['local.yaml', 'staging.yaml', 'production.yaml'])(
    '%s is an Application of the chart with its values, which kubeconform accepts against the Argo CD CRD',
    (name) => {
      const { object } = applications.find((application) => application.name === name)!;
      expect(kubeconform([object]).problems).toEqual([]);
      const source = object.spec!.source as { path: string; helm: { valueFiles: string[] } };
      expect(source.path).toBe('deploy/helm/meridian');
      expect(source.helm.valueFiles).toEqual([`values-${name.replace('.yaml', '')}.yaml`]);
      for (const file of source.helm.valueFiles)
        expect(existsSync(join(REPO_ROOT, source.path, file))).toBe(true);
    },
  );
});

describe('GitHub workflows', () => {
  it('pass actionlint', () => {
    const result = spawnSync(toolchain.actionlint(), ['-no-color', '-shellcheck=', '-pyflakes='], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('build, sign and attest an image per service of the registry and per tool image, and run .ci/run', () => {
    const images = readFileSync(join(REPO_ROOT, '.github/workflows/images.yml'), 'utf8');
    for (const needed of [
      'app: ${{ fromJSON(needs.services.outputs.names) }}',
      'file: docker/Dockerfile',
      'sbom: true',
      'provenance: mode=max',
      'cosign sign --yes',
      'id-token: write',
    ]) {
      expect(images).toContain(needed);
    }
    expect(readFileSync(join(REPO_ROOT, '.github/workflows/ci.yml'), 'utf8')).toContain('run: bash .ci/run');
    expect(readFileSync(join(REPO_ROOT, '.github/workflows/chart.yml'), 'utf8')).toContain(
      'helm lint --strict',
    );
  });

  it("take the image matrix from the registry's loader, which lists every service of the registry", () => {
    const workflow = parse(readFileSync(join(REPO_ROOT, '.github/workflows/images.yml'), 'utf8')) as {
      jobs: Record<string, { needs?: string; outputs?: Record<string, string>; steps: { run?: string }[] }>;
    };
    expect(workflow.jobs.image!.needs).toBe('services');
    expect(workflow.jobs.services!.outputs?.names).toBe('${{ steps.registry.outputs.names }}');
    const listing = workflow.jobs.services!.steps.map((step) => step.run ?? '').join('\n');
    expect(listing).toContain('./meridian run --silent names -w @meridian/service-registry');
    // What that script prints, read by the loader itself.
    const names = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'tools/service-registry/dist/cli.js'), 'names'],
      {
        encoding: 'utf8',
      },
    );
    expect(names.stderr).toBe('');
    expect(JSON.parse(names.stdout)).toEqual(loadRegistry().services.map((service) => service.name));
  });

  it("build the tool images beside the services, from the Dockerfile's tool target, with the same steps", () => {
    const workflow = parse(readFileSync(join(REPO_ROOT, '.github/workflows/images.yml'), 'utf8')) as {
      jobs: {
        image: {
          env: Record<string, string>;
          strategy: { matrix: { include?: { app: string; target?: string }[] } };
          steps: { id?: string; with?: Record<string, string> }[];
        };
      };
    };
    const { image } = workflow.jobs;
    expect(image.strategy.matrix.include).toEqual(TOOL_IMAGES.map((app) => ({ app, target: TOOL_TARGET })));
    // One build step for both: the services leave the target empty (the Dockerfile's last stage).
    const build = image.steps.find((step) => step.id === 'build')!;
    expect(build.with).toMatchObject({ file: 'docker/Dockerfile', target: '${{ matrix.target }}' });
    expect(build.with!['build-args']).toContain('APP=${{ matrix.app }}');
    expect(image.env.IMAGE).toMatch(/-\$\{\{ matrix\.app \}\}$/);
  });

  it('build and check the image of every service of the registry and every tool image in CI, then run the compose stack', () => {
    const ci = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^if \. scripts\/ensure-docker\.sh; then$/m);
    expect(ci).toMatch(/^\s*\.\/meridian images$/m);
    expect(ci).toMatch(/^\s*\.\/meridian check-compose$/m);
    expect(ci.indexOf('./meridian images')).toBeLessThan(ci.indexOf('./meridian check-compose'));
    // With no names it builds every image it knows, which its usage lists.
    const usage = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'tools/deploy/dist/cli/images.js'), 'no-such'],
      {
        encoding: 'utf8',
      },
    );
    expect(usage.status).toBe(64);
    const known = [...loadRegistry().services.map((service) => service.name), ...TOOL_IMAGES];
    expect(usage.stderr).toContain(`usage: images [<${known.join('|')}> ...]`);
  });
});
