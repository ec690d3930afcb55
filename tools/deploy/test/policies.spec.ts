import { renderChart, valuesFiles } from '../src/kubernetes/helm';
import {
  componentObjects,
  type Container,
  type KubeObject,
  podTemplateOf,
} from '../src/kubernetes/manifests';
import { formatFinding, POLICY_CHECKS, runPolicies } from '../src/policies/checks';
import { readServiceRegistry } from '../src/service-registry';

// The services each breakage is made in, picked from the registry by what they are.
const registry = readServiceRegistry();
const stateful = registry.find((service) => service.kind === 'StatefulSet')!.name;
const autoscaled = registry.find((service) => service.kind === 'Deployment' && service.autoscaling)!.name;
const worker = registry.find((service) => service.kind === 'Deployment' && !service.autoscaling)!.name;
const migrated = registry.find((service) => service.database)!.name;

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
        delete container(find(o, 'StatefulSet', stateful)).securityContext!.runAsNonRoot;
        delete pod(find(o, 'StatefulSet', stateful)).spec.securityContext!.runAsNonRoot;
      },
      {
        check: 'run-as-non-root',
        object: `StatefulSet/meridian-${stateful}`,
        field: `spec.template.spec.containers[${stateful}].securityContext.runAsNonRoot`,
      },
    ],
    [
      'root user',
      (o) => {
        container(find(o, 'Deployment', autoscaled)).securityContext!.runAsUser = 0;
      },
      {
        check: 'run-as-non-root',
        object: `Deployment/meridian-${autoscaled}`,
        field: `spec.template.spec.containers[${autoscaled}].securityContext.runAsUser`,
      },
    ],
    [
      'writable root filesystem',
      (o) => {
        container(find(o, 'Deployment', worker)).securityContext!.readOnlyRootFilesystem = false;
      },
      {
        check: 'read-only-root-filesystem',
        object: `Deployment/meridian-${worker}`,
        field: `spec.template.spec.containers[${worker}].securityContext.readOnlyRootFilesystem`,
      },
    ],
    [
      '/tmp not an emptyDir',
      (o) => {
        container(find(o, 'Deployment', autoscaled)).volumeMounts = [];
      },
      {
        check: 'writable-tmp',
        object: `Deployment/meridian-${autoscaled}`,
        field: `spec.template.spec.containers[${autoscaled}].volumeMounts`,
      },
    ],
    [
      'privilege escalation',
      (o) => {
        container(find(o, 'Job', 'migrations')).securityContext!.allowPrivilegeEscalation = true;
      },
      {
        check: 'no-privilege-escalation',
        object: `Job/meridian-migrations-${migrated}`,
        field: 'spec.template.spec.containers[migrate].securityContext.allowPrivilegeEscalation',
      },
    ],
    [
      'capabilities kept',
      (o) => {
        container(find(o, 'StatefulSet', stateful)).securityContext!.capabilities = { drop: ['NET_RAW'] };
      },
      {
        check: 'drop-all-capabilities',
        object: `StatefulSet/meridian-${stateful}`,
        field: `spec.template.spec.containers[${stateful}].securityContext.capabilities.drop`,
      },
    ],
    [
      'no seccomp profile',
      (o) => {
        delete container(find(o, 'Deployment', autoscaled)).securityContext!.seccompProfile;
        delete pod(find(o, 'Deployment', autoscaled)).spec.securityContext!.seccompProfile;
      },
      {
        check: 'seccomp-runtime-default',
        object: `Deployment/meridian-${autoscaled}`,
        field: `spec.template.spec.containers[${autoscaled}].securityContext.seccompProfile.type`,
      },
    ],
    [
      'host network',
      (o) => {
        pod(find(o, 'Deployment', autoscaled)).spec.hostNetwork = true;
      },
      {
        check: 'host-namespaces',
        object: `Deployment/meridian-${autoscaled}`,
        field: 'spec.template.spec.hostNetwork',
      },
    ],
    [
      'no memory limit',
      (o) => {
        delete container(find(o, 'StatefulSet', stateful)).resources!.limits!.memory;
      },
      {
        check: 'resources',
        object: `StatefulSet/meridian-${stateful}`,
        field: `spec.template.spec.containers[${stateful}].resources.limits.memory`,
      },
    ],
    [
      'no startup probe',
      (o) => {
        delete container(find(o, 'Deployment', worker)).startupProbe;
      },
      {
        check: 'probes',
        object: `Deployment/meridian-${worker}`,
        field: `spec.template.spec.containers[${worker}].startupProbe`,
      },
    ],
    [
      'liveness equals readiness',
      (o) => {
        const c = container(find(o, 'Deployment', autoscaled));
        c.livenessProbe = c.readinessProbe;
      },
      {
        check: 'probes',
        object: `Deployment/meridian-${autoscaled}`,
        field: `spec.template.spec.containers[${autoscaled}].livenessProbe`,
      },
    ],
    [
      'latest tag',
      (o) => {
        container(find(o, 'StatefulSet', stateful)).image = `ghcr.io/x/meridian-${stateful}:latest`;
      },
      {
        check: 'image-pinned',
        object: `StatefulSet/meridian-${stateful}`,
        field: `spec.template.spec.containers[${stateful}].image`,
      },
    ],
    [
      'token automounted',
      (o) => {
        pod(find(o, 'Deployment', autoscaled)).spec.automountServiceAccountToken = true;
      },
      {
        check: 'service-account',
        object: `Deployment/meridian-${autoscaled}`,
        field: 'spec.template.spec.automountServiceAccountToken',
      },
    ],
    [
      'default service account',
      (o) => {
        delete pod(find(o, 'StatefulSet', stateful)).spec.serviceAccountName;
      },
      {
        check: 'service-account',
        object: `StatefulSet/meridian-${stateful}`,
        field: 'spec.template.spec.serviceAccountName',
      },
    ],
    [
      'service account automounts',
      (o) => {
        find(o, 'ServiceAccount', worker).automountServiceAccountToken = true;
      },
      {
        check: 'service-account',
        object: `ServiceAccount/meridian-${worker}`,
        field: 'automountServiceAccountToken',
      },
    ],
    [
      'no PDB for a StatefulSet',
      (o) => {
        o.splice(o.indexOf(find(o, 'PodDisruptionBudget', stateful)), 1);
      },
      { check: 'pod-disruption-budget', object: `StatefulSet/meridian-${stateful}`, field: 'metadata.name' },
    ],
    [
      'a StatefulSet PDB allows two down',
      (o) => {
        find(o, 'PodDisruptionBudget', stateful).spec!.maxUnavailable = 2;
      },
      {
        check: 'pod-disruption-budget',
        object: `PodDisruptionBudget/meridian-${stateful}`,
        field: 'spec.maxUnavailable',
      },
    ],
    [
      'HPA of one replica',
      (o) => {
        find(o, 'HorizontalPodAutoscaler', autoscaled).spec!.minReplicas = 1;
      },
      {
        check: 'autoscaling',
        object: `HorizontalPodAutoscaler/meridian-${autoscaled}`,
        field: 'spec.minReplicas',
      },
    ],
    [
      'replicas fight the HPA',
      (o) => {
        find(o, 'Deployment', autoscaled).spec!.replicas = 2;
      },
      { check: 'autoscaling', object: `Deployment/meridian-${autoscaled}`, field: 'spec.replicas' },
    ],
    [
      'no anti-affinity',
      (o) => {
        delete pod(find(o, 'StatefulSet', stateful)).spec.affinity;
      },
      {
        check: 'anti-affinity',
        object: `StatefulSet/meridian-${stateful}`,
        field: 'spec.template.spec.affinity.podAntiAffinity',
      },
    ],
    [
      'no zone spread',
      (o) => {
        pod(find(o, 'Deployment', autoscaled)).spec.topologySpreadConstraints = [];
      },
      {
        check: 'anti-affinity',
        object: `Deployment/meridian-${autoscaled}`,
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
        o.splice(o.indexOf(find(o, 'NetworkPolicy', worker)), 1);
      },
      {
        check: 'network-policy',
        object: `Deployment/meridian-${worker}`,
        field: 'spec.template.metadata.labels',
      },
    ],
    [
      'service selects nothing',
      (o) => {
        (find(o, 'Service', autoscaled).spec!.selector as Record<string, string>)[
          'app.kubernetes.io/component'
        ] = 'nothing';
      },
      { check: 'service-targets-pod', object: `Service/meridian-${autoscaled}`, field: 'spec.selector' },
    ],
    [
      'governing service not headless',
      (o) => {
        delete o.find((x) => x.metadata.name === `meridian-${stateful}-headless`)!.spec!.clusterIP;
      },
      {
        check: 'service-targets-pod',
        object: `Service/meridian-${stateful}-headless`,
        field: 'spec.clusterIP',
      },
    ],
    [
      'no config checksum',
      (o) => {
        delete pod(find(o, 'Deployment', autoscaled)).metadata!.annotations!['checksum/config'];
      },
      {
        check: 'checksum-annotations',
        object: `Deployment/meridian-${autoscaled}`,
        field: 'spec.template.metadata.annotations.checksum/config',
      },
    ],
    [
      'grace shorter than shutdown',
      (o) => {
        pod(find(o, 'Deployment', worker)).spec.terminationGracePeriodSeconds = 1;
      },
      {
        check: 'graceful-shutdown',
        object: `Deployment/meridian-${worker}`,
        field: 'spec.template.spec.terminationGracePeriodSeconds',
      },
    ],
    [
      'a drain shorter than the call deadline a request may wait on',
      (o) => {
        const config = find(o, 'ConfigMap', autoscaled).data as Record<string, string>;
        config.SHUTDOWN_TIMEOUT_MS = String(Number(config.SHUTDOWN_DELAY_MS) + 2_000);
      },
      {
        check: 'graceful-shutdown',
        object: `Deployment/meridian-${autoscaled}`,
        field: 'ConfigMap.data.SHUTDOWN_TIMEOUT_MS',
      },
    ],
    [
      'a StatefulSet rolls in parallel',
      (o) => {
        find(o, 'StatefulSet', stateful).spec!.podManagementPolicy = 'Parallel';
      },
      {
        check: 'statefulset-rollout',
        object: `StatefulSet/meridian-${stateful}`,
        field: 'spec.podManagementPolicy',
      },
    ],
    [
      'no partition',
      (o) => {
        delete (find(o, 'StatefulSet', stateful).spec!.updateStrategy as { rollingUpdate?: object })
          .rollingUpdate;
      },
      {
        check: 'statefulset-rollout',
        object: `StatefulSet/meridian-${stateful}`,
        field: 'spec.updateStrategy.rollingUpdate.partition',
      },
    ],
    [
      'missing label',
      (o) => {
        delete find(o, 'Service', stateful).metadata.labels!['app.kubernetes.io/version'];
      },
      {
        check: 'recommended-labels',
        object: `Service/meridian-${stateful}`,
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
