/**
 * The load-test Job (values.yaml `loadtest`): tools/loadtest's image run
 * against the release's api, in staging (or a local cluster) only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderChart, valuesFiles } from '../src/kubernetes/helm';
import { componentObjects as byComponent, type KubeObject, podTemplateOf } from '../src/kubernetes/manifests';
import { formatKubeScoreFinding, kubeScore } from '../src/kubernetes/kube-score';
import { kubeconform } from '../src/kubernetes/kubeconform';
import { formatFinding, runPolicies } from '../src/policies/checks';
import { readServiceRegistry } from '../src/service-registry';
import { ARGOCD_DIR, CHART_DIR, REPO_ROOT } from '../src/toolchain';
import { ingressPorts, pathsBetween, type PolicyPeer } from './support/network';

const registry = readServiceRegistry();
const api = registry.find((service) => service.name === 'api')!;
const components = registry.map((service) => service.name);
const declaredPaths = registry.flatMap((service) =>
  service.calls.map((callee) => `${service.name}->${callee}`),
);
const defaults = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
  loadtest: { args: string[]; activeDeadlineSeconds: number; ttlSecondsAfterFinished: number };
};

const ENABLED = 'loadtest.enabled=true';
/** The environments it may run in: staging, and a local cluster. */
const RUNS_IN = ['values-staging.yaml', 'values-local.yaml'];
const withLoadTest = (valuesFile = 'values-staging.yaml', set: string[] = []) =>
  renderChart(valuesFile, [ENABLED, ...set]);
const loadTestObjects = (objects: KubeObject[]) =>
  objects.filter((object) => object.metadata.labels?.['app.kubernetes.io/component'] === 'loadtest');
const jobOf = (objects: KubeObject[]) => byComponent(objects, 'Job', 'loadtest')[0]!;
const podOf = (objects: KubeObject[]) => podTemplateOf(jobOf(objects))!.template;
const containerOf = (objects: KubeObject[]) => podOf(objects).spec.containers[0]!;
const envOf = (objects: KubeObject[]) =>
  Object.fromEntries((containerOf(objects).env ?? []).map((variable) => [variable.name, variable]));

describe('the load-test Job', () => {
  it.each(valuesFiles())('is not rendered with %s as it ships', (valuesFile) => {
    expect(loadTestObjects(renderChart(valuesFile)).map((object) => object.kind)).toEqual([]);
  });

  it('is never enabled by values-production.yaml, and refused wherever environment is production', () => {
    const production = parse(readFileSync(join(CHART_DIR, 'values-production.yaml'), 'utf8')) as {
      environment: string;
      loadtest?: { enabled?: boolean };
    };
    expect(production.environment).toBe('production');
    expect(production.loadtest?.enabled ?? false).toBe(false);
    // Nor does production's Argo CD Application, by parameters or inline values.
    expect(readFileSync(join(ARGOCD_DIR, 'production.yaml'), 'utf8')).not.toMatch(/loadtest/i);
    const refusal = 'load tests never run where environment is production';
    expect(() => renderChart('values-production.yaml', [ENABLED])).toThrow(refusal);
    // values.yaml's defaults are production's too.
    expect(() => renderChart('values.yaml', [ENABLED])).toThrow(refusal);
    expect(() => renderChart('values-staging.yaml', [ENABLED, 'environment=production'])).toThrow(refusal);
  });

  it("runs the loadtest image's CLI once per rollout, as a hook after the migrations, never retried", () => {
    const objects = withLoadTest();
    const job = jobOf(objects);
    expect(job.metadata.name).toBe('meridian-loadtest');
    expect(job.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'post-install,post-upgrade',
      'helm.sh/hook-weight': '10',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
    });
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: defaults.loadtest.activeDeadlineSeconds,
      ttlSecondsAfterFinished: defaults.loadtest.ttlSecondsAfterFinished,
    });
    expect(podOf(objects).spec).toMatchObject({ restartPolicy: 'Never' });
    const container = containerOf(objects);
    expect(container.image).toBe('ghcr.io/meridian-platform/meridian-loadtest:0.1.0');
    expect(container.args).toEqual(['dist/cli.js', ...defaults.loadtest.args]);
    expect(defaults.loadtest.args).toEqual(expect.arrayContaining(['--rate', '--duration', '--threshold']));
    // Numbers given with --set reach the CLI as text.
    expect(
      containerOf(withLoadTest('values-staging.yaml', ['loadtest.args={--rate,200,--duration,5m}'])).args,
    ).toEqual(['dist/cli.js', '--rate', '200', '--duration', '5m']);
    // On `helm test` instead, when asked.
    expect(
      jobOf(withLoadTest('values-staging.yaml', ['loadtest.hook=test'])).metadata.annotations,
    ).toMatchObject({
      'helm.sh/hook': 'test',
    });
  });

  it("targets the api Service's http port, its management port for /admin, with the api's admin token from the Secret", () => {
    for (const valuesFile of RUNS_IN) {
      const objects = withLoadTest(valuesFile);
      const env = envOf(objects);
      expect(env.LOADTEST_TARGET?.value).toBe(`http://meridian-api:${api.port}`);
      expect(env.LOADTEST_ADMIN_URL?.value).toBe(`http://meridian-api:${api.managementPort}`);
      // The very Secret key the api's ADMIN_TOKEN reads, by reference only.
      const apiContainer = podTemplateOf(byComponent(objects, api.kind, 'api')[0]!)!.template.spec
        .containers[0]!;
      const adminToken = apiContainer.env!.find((variable) => variable.name === 'ADMIN_TOKEN')!;
      expect(env.LOADTEST_ADMIN_TOKEN).toEqual({
        name: 'LOADTEST_ADMIN_TOKEN',
        valueFrom: { secretKeyRef: adminToken.valueFrom!.secretKeyRef },
      });
      expect(env.LOADTEST_REPORT_DIR?.value).toBe('/tmp/loadtest-report');
      expect(env.LOADTEST_PROGRESS?.value).toBe('plain');
      // No secret as a literal, in a variable or on the command line.
      const container = containerOf(objects);
      const literals = (container.env ?? []).filter((variable) => variable.value !== undefined);
      expect(
        literals.map((variable) => variable.name).filter((name) => /TOKEN|SECRET|KEY/.test(name)),
      ).toEqual([]);
      expect(container.args!.filter((arg) => /token|secret|key/i.test(arg))).toEqual([]);
      expect(container.envFrom).toBeUndefined();
      // Where the chart creates the Secret, it holds that key.
      const secret = objects.find((object) => object.kind === 'Secret');
      if (secret) expect(secret.stringData).toHaveProperty(adminToken.valueFrom!.secretKeyRef!.key);
    }
    expect(
      envOf(withLoadTest('values-staging.yaml', ['loadtest.target=https://api.staging.example']))
        .LOADTEST_TARGET?.value,
    ).toBe('https://api.staging.example');
  });

  it('sets only variables the CLI reads (tools/loadtest/src)', () => {
    const sources = readdirSync(join(REPO_ROOT, 'tools/loadtest/src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(join(REPO_ROOT, 'tools/loadtest/src', file), 'utf8'))
      .join('\n');
    const names = Object.keys(envOf(withLoadTest()));
    expect(names.sort()).toEqual([
      'LOADTEST_ADMIN_TOKEN',
      'LOADTEST_ADMIN_URL',
      'LOADTEST_PROGRESS',
      'LOADTEST_REPORT_DIR',
      'LOADTEST_TARGET',
    ]);
    expect(names.filter((name) => !sources.includes(`'${name}'`) && !sources.includes(`.${name}`))).toEqual(
      [],
    );
  });

  it('runs as the services do: uid 65532, read-only root with a writable /tmp for the reports, no capabilities, RuntimeDefault seccomp, no service account token', () => {
    const objects = withLoadTest();
    const service = podTemplateOf(byComponent(objects, api.kind, 'api')[0]!)!.template;
    const pod = podOf(objects);
    expect(pod.spec.securityContext).toEqual(service.spec.securityContext);
    expect(containerOf(objects).securityContext).toEqual(service.spec.containers[0]!.securityContext);
    expect(containerOf(objects).securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(containerOf(objects).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.spec.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    const [account] = byComponent(objects, 'ServiceAccount', 'loadtest');
    expect(pod.spec.serviceAccountName).toBe(account?.metadata.name);
    expect(account?.automountServiceAccountToken).toBe(false);
  });

  it.each(RUNS_IN)(
    'renders with %s only objects kubeconform accepts, kube-score grades OK and every policy check passes',
    (valuesFile) => {
      const objects = withLoadTest(valuesFile);
      expect(
        loadTestObjects(objects)
          .map((object) => object.kind)
          .sort(),
      ).toEqual(['Job', 'NetworkPolicy', 'ServiceAccount']);
      expect(kubeconform(objects).problems).toEqual([]);
      expect(kubeScore(objects, valuesFile).map(formatKubeScoreFinding)).toEqual([]);
      expect(runPolicies(objects).map(formatFinding)).toEqual([]);
    },
  );

  it.each([
    [
      'without its NetworkPolicy',
      (objects: KubeObject[]) =>
        objects.splice(objects.indexOf(byComponent(objects, 'NetworkPolicy', 'loadtest')[0]!), 1),
      { check: 'network-policy', field: 'spec.template.metadata.labels' },
    ],
    [
      'without its ServiceAccount',
      (objects: KubeObject[]) =>
        objects.splice(objects.indexOf(byComponent(objects, 'ServiceAccount', 'loadtest')[0]!), 1),
      { check: 'service-account', field: 'spec.template.spec.serviceAccountName' },
    ],
  ])('is held to the policy checks like every workload: a finding %s', (_, breakIt, expected) => {
    const objects = withLoadTest();
    breakIt(objects);
    expect(runPolicies(objects)).toContainEqual(
      expect.objectContaining({ ...expected, object: 'Job/meridian-loadtest' }),
    );
  });

  it('is scored by kube-score like every workload: a writable root filesystem is reported on its Job', () => {
    const objects = withLoadTest();
    containerOf(objects).securityContext!.readOnlyRootFilesystem = false;
    expect(kubeScore(objects, 'values-staging.yaml')).toContainEqual(
      expect.objectContaining({
        check: 'container-security-context-readonlyrootfilesystem',
        object: 'Job/meridian-loadtest',
      }),
    );
  });

  it("is let out to DNS and the api's http and management ports only, and let in by nothing", () => {
    const objects = withLoadTest();
    const without = renderChart('values-staging.yaml');
    // Exactly one new path: the load test to the api.
    expect(pathsBetween(objects, [...components, 'loadtest'])).toEqual(
      [...declaredPaths, 'loadtest->api'].sort(),
    );
    const [policy] = byComponent(objects, 'NetworkPolicy', 'loadtest');
    expect(policy!.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy!.spec!.ingress).toBeUndefined();
    const egress = policy!.spec!.egress as { to: PolicyPeer[]; ports: { port: string | number }[] }[];
    expect(egress.map((rule) => rule.ports.map((port) => port.port))).toEqual([
      [53, 53],
      ['http', 'management'],
    ]);
    const [dns] = byComponent(without, 'NetworkPolicy', 'api').map(
      (apiPolicy) => (apiPolicy.spec!.egress as { to: PolicyPeer[] }[])[0]!.to,
    );
    expect(egress[0]!.to).toEqual(dns);
    expect(egress[1]!.to).toEqual([
      {
        podSelector: {
          matchLabels: {
            'app.kubernetes.io/name': 'meridian',
            'app.kubernetes.io/instance': 'meridian',
            'app.kubernetes.io/component': 'api',
          },
        },
      },
    ]);
    // The api lets it in on both ports; nothing else changes.
    expect(ingressPorts(objects, 'api')).toEqual({
      ...ingressPorts(without, 'api'),
      loadtest: ['http', 'management'],
    });
    const others = (rendered: KubeObject[]) =>
      rendered.filter(
        (object) =>
          object.kind === 'NetworkPolicy' &&
          !['api', 'loadtest'].includes(object.metadata.labels!['app.kubernetes.io/component']!),
      );
    expect(others(objects)).toEqual(others(without));
  });

  it('pins its image by digest, or takes a repository and tag of its own', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    expect(containerOf(withLoadTest('values-staging.yaml', [`loadtest.image.digest=${digest}`])).image).toBe(
      `ghcr.io/meridian-platform/meridian-loadtest@${digest}`,
    );
    expect(
      containerOf(
        withLoadTest('values-staging.yaml', [
          'loadtest.image.repository=registry.example/lt',
          'loadtest.image.tag=0.2.0',
        ]),
      ).image,
    ).toBe('registry.example/lt:0.2.0');
    expect(containerOf(withLoadTest('values-local.yaml')).image).toBe('localhost/meridian-loadtest:0.1.0');
  });

  it.each([
    ['an unknown key', 'loadtest.rate=50', 'rate'],
    ['the latest tag', 'loadtest.image.tag=latest', 'loadtest/image/tag'],
    ['a malformed digest', 'loadtest.image.digest=latest', 'loadtest/image/digest'],
    ['a target that is not a URL', 'loadtest.target=meridian-api', 'loadtest/target'],
    ['an unknown hook', 'loadtest.hook=pre-install', 'loadtest/hook'],
  ])('refuses %s through values.schema.json', (_, value, mentioned) => {
    expect(() => withLoadTest('values-staging.yaml', [value])).toThrow(mentioned);
  });

  it('needs an api that serves /admin, where it provisions its tenants', () => {
    expect(() => withLoadTest('values-staging.yaml', ['services.api.adminToken=false'])).toThrow(
      'services.api.adminToken must be true',
    );
  });
});
