import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { type Application, applications, renderApplication } from '../src/kubernetes/argocd';
import { formatKubeScoreFinding, kubeScore } from '../src/kubernetes/kube-score';
import { kubeconform } from '../src/kubernetes/kubeconform';
import { type KubeObject, podTemplateOf } from '../src/kubernetes/manifests';
import { formatFinding, runPolicies } from '../src/policies/checks';
import { pinRelease, PRODUCTION_APPLICATION } from '../src/release-pin';
import { readServiceRegistry } from '../src/service-registry';
import { REPO_ROOT } from '../src/toolchain';

const services = readServiceRegistry().map((service) => service.name);
const production = () => applications().find(({ name }) => name === 'production.yaml')!.application;
const text = () => readFileSync(PRODUCTION_APPLICATION, 'utf8');
/** A test release's digests: the sha256 of a phrase per image, which no registry holds. */
const testDigest = (image: string) =>
  `sha256:${createHash('sha256').update(`test release: ${image}`).digest('hex')}`;
const testDigests = () =>
  Object.fromEntries([...services, 'loadtest'].map((image) => [image, testDigest(image)]));
const pinned = () => parse(pinRelease(text(), '0.2.0', testDigests(), services).text) as Application;

/** Every container image of the render's pods, by object. */
const images = (objects: KubeObject[]) =>
  objects.flatMap((object) => {
    const found = podTemplateOf(object);
    return found
      ? [...(found.template.spec.initContainers ?? []), ...found.template.spec.containers].map(
          (container) => [`${object.kind}/${object.metadata.name}`, container.image!] as const,
        )
      : [];
  });

describe('production runs every Meridian image by digest', () => {
  it('the production Application renders nothing until a release is pinned: with image.requireDigests the chart refuses a service without a digest', () => {
    expect(production().spec.source.helm.valuesObject).toEqual({ image: { requireDigests: true } });
    expect(() => renderApplication(production())).toThrow(
      /services\.[a-z-]+\.imageDigest is required: image\.requireDigests runs every image by digest/,
    );
  });

  it("a release pinned by release-pin renders each of production's pods with the digest pinned for its service's image, none by tag, and kubeconform, kube-score and the policy checks accept it", () => {
    const application = pinned();
    expect(application.spec.source.targetRevision).toBe('v0.2.0');
    const objects = renderApplication(application);
    const rendered = images(objects);
    expect(rendered.length).toBeGreaterThan(services.length);
    const prefix = 'ghcr.io/meridian-platform/meridian-';
    for (const [object, image] of rendered) {
      const app = image.startsWith(prefix) ? image.slice(prefix.length).split('@')[0]! : '(not ours)';
      expect([object, image]).toEqual([object, `${prefix}${app}@${testDigest(app)}`]);
      expect(services).toContain(app);
    }
    expect(new Set(rendered.map(([, image]) => image)).size).toBe(services.length);
    expect(kubeconform([application, ...objects]).problems).toEqual([]);
    expect(kubeScore(objects, 'values-production.yaml').map(formatKubeScoreFinding)).toEqual([]);
    expect(runPolicies(objects).map(formatFinding)).toEqual([]);
  });

  it('release-pin changes only targetRevision, the image tag and one digest per service, and keeps every comment', () => {
    const before = text();
    const after = pinRelease(before, 'v0.2.0', testDigests(), services);
    expect(after.skipped).toEqual(['loadtest']);
    const changed = (a: string, b: string) => a.split('\n').filter((line) => !b.split('\n').includes(line));
    expect(changed(before, after.text)).toEqual(['    targetRevision: v0.1.0']);
    expect(changed(after.text, before)).toEqual([
      '    targetRevision: v0.2.0',
      "          tag: '0.2.0'",
      '        services:',
      ...services.flatMap((service) => [
        `          ${service}:`,
        `            imageDigest: ${testDigest(service)}`,
      ]),
    ]);
    // Pinning again moves it on: the old digests do not linger.
    const next = pinRelease(
      after.text,
      '0.2.1',
      { ...testDigests(), api: testDigest('api 0.2.1') },
      services,
    );
    expect(
      parseDocument(next.text).getIn([
        'spec',
        'source',
        'helm',
        'valuesObject',
        'services',
        'api',
        'imageDigest',
      ]),
    ).toBe(testDigest('api 0.2.1'));
  });

  it.each([
    [
      'a service without a digest',
      '0.2.0',
      { api: testDigest('api') },
      'release digests: ledger: no digest; settlement: no digest',
    ],
    [
      'a digest that is not sha256',
      '0.2.0',
      { ...testDigests(), ledger: 'latest' },
      'release digests: ledger: "latest" is not sha256:<64 hex>',
    ],
    ['a version that is not a release', 'main', testDigests(), '"main" is not a release version (1.2.3)'],
  ])('release-pin refuses %s', (_, version, digests, message) => {
    expect(() => pinRelease(text(), version, digests, services)).toThrow(message);
  });

  it('release-pin, the command, pins an Application in place from a release-digests.json and says what it left out', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'meridian-release-pin-'));
    try {
      const application = join(scratch, 'production.yaml');
      const digests = join(scratch, 'release-digests.json');
      writeFileSync(application, text());
      writeFileSync(digests, JSON.stringify(testDigests()));
      const run = (args: string[]) =>
        spawnSync(process.execPath, [join(REPO_ROOT, 'tools/deploy/dist/release-pin.js'), ...args], {
          encoding: 'utf8',
        });
      const pinning = run(['0.2.0', digests, application]);
      expect(pinning.stderr).toBe('');
      expect(pinning.stdout).toContain('not deployed by the chart, left out: loadtest');
      expect(pinning.status).toBe(0);
      expect(readFileSync(application, 'utf8')).toBe(
        pinRelease(text(), '0.2.0', testDigests(), services).text,
      );
      writeFileSync(digests, JSON.stringify({ api: testDigest('api') }));
      expect(run(['0.2.1', digests, application])).toMatchObject({
        status: 1,
        stderr: 'release-pin: release digests: ledger: no digest; settlement: no digest\n',
      });
      expect(run(['0.2.1'])).toMatchObject({ status: 64 });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("the images workflow gathers a v* tag's digests into release-digests once every image is built, signed and attested", () => {
    const workflow = parse(readFileSync(join(REPO_ROOT, '.github/workflows/images.yml'), 'utf8')) as {
      jobs: Record<
        string,
        {
          needs?: string;
          if?: string;
          steps: { name?: string; uses?: string; run?: string; with?: Record<string, unknown> }[];
        }
      >;
    };
    const { image, digests } = workflow.jobs;
    const uses = (job: typeof image, action: string) =>
      job!.steps.findIndex((step) => step.uses?.startsWith(action));
    const upload = image!.steps[uses(image, 'actions/upload-artifact')]!;
    expect(upload.with).toEqual({ name: 'digest-${{ matrix.app }}', path: 'digests/${{ matrix.app }}' });
    // After signing and the provenance attestation: a digest is only gathered for an image that has both.
    const signed = image!.steps.findIndex((step) => step.run?.startsWith('cosign sign --yes'));
    expect(signed).toBeLessThan(uses(image, 'actions/attest-build-provenance'));
    expect(uses(image, 'actions/attest-build-provenance')).toBeLessThan(
      uses(image, 'actions/upload-artifact'),
    );
    expect(digests).toMatchObject({ needs: 'image', if: "startsWith(github.ref, 'refs/tags/v')" });
    expect(digests!.steps[uses(digests, 'actions/download-artifact')]!.with).toMatchObject({
      pattern: 'digest-*',
      'merge-multiple': true,
    });
    expect(digests!.steps[uses(digests, 'actions/upload-artifact')]!.with).toEqual({
      name: 'release-digests',
      path: 'release-digests.json',
    });
  });
});
