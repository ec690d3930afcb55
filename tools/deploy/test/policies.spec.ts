import { renderChart, valuesFiles } from '../src/kubernetes/helm';
import {
  componentObjects,
  type Container,
  type KubeObject,
  podTemplateOf,
} from '../src/kubernetes/manifests';
import { formatFinding, POLICY_CHECKS, runPolicies } from '../src/policies/checks';

const find = (objects: KubeObject[], kind: string, component: string) =>
  componentObjects(objects, kind, component)[0]!;
const pod = (object: KubeObject) => podTemplateOf(object)!.template;
const container = (object: KubeObject): Container => pod(object).spec.containers[0]!;

describe('policy checks over the rendered chart', () => {
  it.each(valuesFiles())('%s passes every policy check', (valuesFile) => {
    const findings = runPolicies(renderChart(valuesFile)).map(formatFinding);
    expect(findings).toEqual([]);
  });

  // Each check must be able to fail: break the production render in one place
  // and expect a finding that names the check, the object and the field.
  const breakages: [
    string,
    (objects: KubeObject[]) => void,
    { check: string; object: string; field: string },
  ][] = [
    [
      'runAsNonRoot unset',
      (o) => {
        delete container(find(o, 'StatefulSet', 'ledger')).securityContext!.runAsNonRoot;
        delete pod(find(o, 'StatefulSet', 'ledger')).spec.securityContext!.runAsNonRoot;
      },
      {
        check: 'run-as-non-root',
        object: 'StatefulSet/meridian-ledger',
        field: 'spec.template.spec.containers[ledger].securityContext.runAsNonRoot',
      },
    ],
    [
      'root user',
      (o) => {
        container(find(o, 'Deployment', 'api')).securityContext!.runAsUser = 0;
      },
      {
        check: 'run-as-non-root',
        object: 'Deployment/meridian-api',
        field: 'spec.template.spec.containers[api].securityContext.runAsUser',
      },
    ],
    [
      'writable root filesystem',
      (o) => {
        container(find(o, 'Deployment', 'settlement')).securityContext!.readOnlyRootFilesystem = false;
      },
      {
        check: 'read-only-root-filesystem',
        object: 'Deployment/meridian-settlement',
        field: 'spec.template.spec.containers[settlement].securityContext.readOnlyRootFilesystem',
      },
    ],
    [
      '/tmp not an emptyDir',
      (o) => {
        container(find(o, 'Deployment', 'api')).volumeMounts = [];
      },
      {
        check: 'writable-tmp',
        object: 'Deployment/meridian-api',
        field: 'spec.template.spec.containers[api].volumeMounts',
      },
    ],
    [
      'privilege escalation',
      (o) => {
        container(find(o, 'Job', 'migrations')).securityContext!.allowPrivilegeEscalation = true;
      },
      {
        check: 'no-privilege-escalation',
        object: 'Job/meridian-migrations-ledger',
        field: 'spec.template.spec.containers[migrate].securityContext.allowPrivilegeEscalation',
      },
    ],
    [
      'capabilities kept',
      (o) => {
        container(find(o, 'StatefulSet', 'ledger')).securityContext!.capabilities = { drop: ['NET_RAW'] };
      },
      {
        check: 'drop-all-capabilities',
        object: 'StatefulSet/meridian-ledger',
        field: 'spec.template.spec.containers[ledger].securityContext.capabilities.drop',
      },
    ],
    [
      'no seccomp profile',
      (o) => {
        delete container(find(o, 'Deployment', 'api')).securityContext!.seccompProfile;
        delete pod(find(o, 'Deployment', 'api')).spec.securityContext!.seccompProfile;
      },
      {
        check: 'seccomp-runtime-default',
        object: 'Deployment/meridian-api',
        field: 'spec.template.spec.containers[api].securityContext.seccompProfile.type',
      },
    ],
    [
      'host network',
      (o) => {
        pod(find(o, 'Deployment', 'api')).spec.hostNetwork = true;
      },
      {
        check: 'host-namespaces',
        object: 'Deployment/meridian-api',
        field: 'spec.template.spec.hostNetwork',
      },
    ],
    [
      'no memory limit',
      (o) => {
        delete container(find(o, 'StatefulSet', 'ledger')).resources!.limits!.memory;
      },
      {
        check: 'resources',
        object: 'StatefulSet/meridian-ledger',
        field: 'spec.template.spec.containers[ledger].resources.limits.memory',
      },
    ],
    [
      'no startup probe',
      (o) => {
        delete container(find(o, 'Deployment', 'settlement')).startupProbe;
      },
      {
        check: 'probes',
        object: 'Deployment/meridian-settlement',
        field: 'spec.template.spec.containers[settlement].startupProbe',
      },
    ],
    [
      'liveness equals readiness',
      (o) => {
        const c = container(find(o, 'Deployment', 'api'));
        c.livenessProbe = c.readinessProbe;
      },
      {
        check: 'probes',
        object: 'Deployment/meridian-api',
        field: 'spec.template.spec.containers[api].livenessProbe',
      },
    ],
    [
      'latest tag',
      (o) => {
        container(find(o, 'StatefulSet', 'ledger')).image = 'ghcr.io/x/meridian-ledger:latest';
      },
      {
        check: 'image-pinned',
        object: 'StatefulSet/meridian-ledger',
        field: 'spec.template.spec.containers[ledger].image',
      },
    ],
    [
      'token automounted',
      (o) => {
        pod(find(o, 'Deployment', 'api')).spec.automountServiceAccountToken = true;
      },
      {
        check: 'service-account',
        object: 'Deployment/meridian-api',
        field: 'spec.template.spec.automountServiceAccountToken',
      },
    ],
    [
      'default service account',
      (o) => {
        delete pod(find(o, 'StatefulSet', 'ledger')).spec.serviceAccountName;
      },
      {
        check: 'service-account',
        object: 'StatefulSet/meridian-ledger',
        field: 'spec.template.spec.serviceAccountName',
      },
    ],
    [
      'service account automounts',
      (o) => {
        find(o, 'ServiceAccount', 'settlement').automountServiceAccountToken = true;
      },
      {
        check: 'service-account',
        object: 'ServiceAccount/meridian-settlement',
        field: 'automountServiceAccountToken',
      },
    ],
    [
      'no PDB for the ledger',
      (o) => {
        o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'ledger')), 1);
      },
      { check: 'pod-disruption-budget', object: 'StatefulSet/meridian-ledger', field: 'metadata.name' },
    ],
    [
      'ledger PDB allows two down',
      (o) => {
        find(o, 'PodDisruptionBudget', 'ledger').spec!.maxUnavailable = 2;
      },
      {
        check: 'pod-disruption-budget',
        object: 'PodDisruptionBudget/meridian-ledger',
        field: 'spec.maxUnavailable',
      },
    ],
    [
      'HPA of one replica',
      (o) => {
        find(o, 'HorizontalPodAutoscaler', 'api').spec!.minReplicas = 1;
      },
      { check: 'autoscaling', object: 'HorizontalPodAutoscaler/meridian-api', field: 'spec.minReplicas' },
    ],
    [
      'replicas fight the HPA',
      (o) => {
        find(o, 'Deployment', 'api').spec!.replicas = 2;
      },
      { check: 'autoscaling', object: 'Deployment/meridian-api', field: 'spec.replicas' },
    ],
    [
      'no anti-affinity',
      (o) => {
        delete pod(find(o, 'StatefulSet', 'ledger')).spec.affinity;
      },
      {
        check: 'anti-affinity',
        object: 'StatefulSet/meridian-ledger',
        field: 'spec.template.spec.affinity.podAntiAffinity',
      },
    ],
    [
      'no zone spread',
      (o) => {
        pod(find(o, 'Deployment', 'api')).spec.topologySpreadConstraints = [];
      },
      {
        check: 'anti-affinity',
        object: 'Deployment/meridian-api',
        field: 'spec.template.spec.topologySpreadConstraints',
      },
    ],
    [
      'no default deny',
      (o) => {
        o.splice(
          o.findIndex((x) => x.metadata.name === 'meridian-default-deny'),
          1,
        );
      },
      { check: 'network-policy', object: 'NetworkPolicy/*', field: 'spec.podSelector' },
    ],
    [
      'pod without its policy',
      (o) => {
        o.splice(o.indexOf(find(o, 'NetworkPolicy', 'settlement')), 1);
      },
      {
        check: 'network-policy',
        object: 'Deployment/meridian-settlement',
        field: 'spec.template.metadata.labels',
      },
    ],
    [
      'service selects nothing',
      (o) => {
        (find(o, 'Service', 'api').spec!.selector as Record<string, string>)['app.kubernetes.io/component'] =
          'apii';
      },
      { check: 'service-targets-pod', object: 'Service/meridian-api', field: 'spec.selector' },
    ],
    [
      'governing service not headless',
      (o) => {
        delete o.find((x) => x.metadata.name === 'meridian-ledger-headless')!.spec!.clusterIP;
      },
      { check: 'service-targets-pod', object: 'Service/meridian-ledger-headless', field: 'spec.clusterIP' },
    ],
    [
      'no config checksum',
      (o) => {
        delete pod(find(o, 'Deployment', 'api')).metadata!.annotations!['checksum/config'];
      },
      {
        check: 'checksum-annotations',
        object: 'Deployment/meridian-api',
        field: 'spec.template.metadata.annotations.checksum/config',
      },
    ],
    [
      'grace shorter than shutdown',
      (o) => {
        pod(find(o, 'Deployment', 'settlement')).spec.terminationGracePeriodSeconds = 30;
      },
      {
        check: 'graceful-shutdown',
        object: 'Deployment/meridian-settlement',
        field: 'spec.template.spec.terminationGracePeriodSeconds',
      },
    ],
    [
      'ledger rolls in parallel',
      (o) => {
        find(o, 'StatefulSet', 'ledger').spec!.podManagementPolicy = 'Parallel';
      },
      {
        check: 'statefulset-rollout',
        object: 'StatefulSet/meridian-ledger',
        field: 'spec.podManagementPolicy',
      },
    ],
    [
      'no partition',
      (o) => {
        delete (find(o, 'StatefulSet', 'ledger').spec!.updateStrategy as { rollingUpdate?: object })
          .rollingUpdate;
      },
      {
        check: 'statefulset-rollout',
        object: 'StatefulSet/meridian-ledger',
        field: 'spec.updateStrategy.rollingUpdate.partition',
      },
    ],
    [
      'missing label',
      (o) => {
        delete find(o, 'Service', 'ledger').metadata.labels!['app.kubernetes.io/version'];
      },
      {
        check: 'recommended-labels',
        object: 'Service/meridian-ledger',
        field: 'metadata.labels.app.kubernetes.io/version',
      },
    ],
  ];

  it('has a breakage case for every check', () => {
    const covered = new Set(breakages.map(([, , expected]) => expected.check));
    expect(POLICY_CHECKS.map((check) => check.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it.each(breakages)('finds %s', (_, breakIt, expected) => {
    const objects = renderChart('values-production.yaml');
    breakIt(objects);
    expect(runPolicies(objects)).toContainEqual(expect.objectContaining(expected));
  });
});
