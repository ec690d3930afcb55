import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderChart, valuesFiles } from '../src/kubernetes/helm';
import { kubeconform } from '../src/kubernetes/kubeconform';
import { type KubeObject, podTemplateOf } from '../src/kubernetes/manifests';
import { CHART_DIR, REPO_ROOT } from '../src/toolchain';

interface Identity {
  issuer: string;
  subject?: string;
  subjectRegExp?: string;
}

interface ImagePolicySpec {
  validationActions: string[];
  failurePolicy: string;
  matchConstraints: { resourceRules: { resources: string[]; operations: string[] }[] };
  matchImageReferences: { glob: string }[];
  validationConfigurations: Record<string, boolean>;
  attestors: { name: string; cosign: { keyless: { identities: Identity[] } } }[];
  validations: { expression: string }[];
}

const policies = (objects: KubeObject[]) =>
  objects.filter((object) => object.kind === 'NamespacedImageValidatingPolicy');
const productionPolicy = () => policies(renderChart('values-production.yaml'))[0]!;
const home = (parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { home: string }).home;

/** Whether a keyless identity takes a certificate's issuer and subject (cosign: exact, or an unanchored regexp). */
const accepts = (identity: Identity, issuer: string, subject: string) =>
  identity.issuer === issuer &&
  (identity.subject !== undefined
    ? identity.subject === subject
    : new RegExp(identity.subjectRegExp!).test(subject));

/** Every container image of the render's pods. */
const images = (objects: KubeObject[]) =>
  objects.flatMap(
    (object) => podTemplateOf(object)?.template.spec.containers.map((container) => container.image!) ?? [],
  );

describe('the signed-images admission policy (imagePolicy, Kyverno)', () => {
  it('is on in production only', () => {
    expect(valuesFiles().filter((valuesFile) => policies(renderChart(valuesFile)).length > 0)).toEqual([
      'values-production.yaml',
    ]);
  });

  it("denies in production any pod whose images under the chart's image prefix are not verified, by digest, against the images workflow's keyless identity, and kubeconform accepts it against Kyverno's CRD", () => {
    const policy = productionPolicy();
    const spec = policy.spec as unknown as ImagePolicySpec;
    expect(policy.apiVersion).toBe('policies.kyverno.io/v1');
    expect(spec.validationActions).toEqual(['Deny']);
    expect(spec.failurePolicy).toBe('Fail');
    expect(spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] },
    ]);
    expect(spec.matchImageReferences).toEqual([{ glob: 'ghcr.io/meridian-platform/meridian-*' }]);
    expect(spec.validationConfigurations).toEqual({ mutateDigest: true, verifyDigest: true, required: true });
    expect(spec.attestors.map((attestor) => attestor.name)).toEqual(['imagesWorkflow']);
    expect(spec.validations.map((validation) => validation.expression.replace(/\s+/g, ' '))).toEqual([
      'images.all(kind, images[kind].all(image, verifyImageSignatures(image, [attestors.imagesWorkflow]) > 0))',
    ]);
    expect(kubeconform([policy]).problems).toEqual([]);
    // Every image the production render runs falls under the glob (gobwas: "*" is any run of characters).
    const glob = new RegExp(
      `^${spec.matchImageReferences[0]!.glob.replace(/[.]/g, '\\.').replace('*', '.*')}$`,
    );
    const rendered = images(renderChart('values-production.yaml'));
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.filter((image) => !glob.test(image))).toEqual([]);
  });

  it('trusts exactly the identity .github/workflows/images.yml signs with: keyless, from the chart home repository, on its push to main and to v* tags', () => {
    const workflow = parse(readFileSync(join(REPO_ROOT, '.github/workflows/images.yml'), 'utf8')) as {
      on: { push: { branches: string[]; tags: string[] } };
      jobs: {
        image: { permissions: Record<string, string>; env: { IMAGE: string }; steps: { run?: string }[] };
      };
    };
    const { image } = workflow.jobs;
    // Keyless: GitHub's OIDC token, no key; the certificate then names the workflow and the ref it ran for.
    expect(image.permissions['id-token']).toBe('write');
    const signing = image.steps.map((step) => step.run ?? '').filter((run) => run.includes('cosign sign'));
    expect(signing).toEqual(['cosign sign --yes "${IMAGE}@${DIGEST}"']);
    const refs = [
      ...workflow.on.push.branches.map((branch) => `refs/heads/${branch}`),
      ...workflow.on.push.tags.map((tag) => `refs/tags/${tag}`),
    ];
    expect(refs).toEqual(['refs/heads/main', 'refs/tags/v*']);
    // The images are ghcr.io/<the repository's owner>/meridian-<app>: the glob's prefix.
    const owner = new URL(home).pathname.split('/')[1]!;
    expect(image.env.IMAGE.replace('${{ github.repository_owner }}', owner)).toBe(
      'ghcr.io/meridian-platform/meridian-${{ matrix.app }}',
    );

    const { identities } = (productionPolicy().spec as unknown as ImagePolicySpec).attestors[0]!.cosign
      .keyless;
    const issuer = 'https://token.actions.githubusercontent.com';
    const trusted = (subject: string, by = issuer) =>
      identities.some((identity) => accepts(identity, by, subject));
    const signer = `${home}/.github/workflows/images.yml`;
    expect(trusted(`${signer}@refs/heads/main`)).toBe(true);
    expect(trusted(`${signer}@refs/tags/v0.2.0`)).toBe(true);
    for (const refused of [
      `${signer}@refs/heads/feature`, // a workflow_dispatch run from another branch
      `${signer}@refs/tags/0.2.0`,
      `${signer}@refs/tags/v`,
      `${home}/.github/workflows/ci.yml@refs/heads/main`,
      `https://github.com/someone-else/meridian/.github/workflows/images.yml@refs/heads/main`,
      `${signer}@refs/heads/main/../evil`,
    ])
      expect([refused, trusted(refused)]).toEqual([refused, false]);
    expect(trusted(`${signer}@refs/heads/main`, 'https://accounts.google.com')).toBe(false);
  });

  it('signs for another repository, workflow and refs given in values', () => {
    const objects = renderChart('values-production.yaml', [
      'imagePolicy.signer.repository=https://github.example.com/acme/pay',
      'imagePolicy.signer.workflow=.github/workflows/release.yml',
      'imagePolicy.signer.refs={refs/tags/release-*}',
    ]);
    expect(
      (policies(objects)[0]!.spec as unknown as ImagePolicySpec).attestors[0]!.cosign.keyless.identities,
    ).toEqual([
      {
        issuer: 'https://token.actions.githubusercontent.com',
        subjectRegExp:
          '^https://github\\.example\\.com/acme/pay/\\.github/workflows/release\\.yml@refs/tags/release-.+$',
      },
    ]);
  });
});
