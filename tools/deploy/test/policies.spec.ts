import { renderChart, valuesFiles } from '../src/kubernetes/helm';
import { type KubeObject } from '../src/kubernetes/manifests';
import {
  stateful,
  autoscaled,
  worker,
  migrated,
  kedaScaled,
  find,
  pod,
  container,
} from './support/breakages';
import { formatFinding, POLICY_CHECKS, runPolicies } from '../src/policies/checks';

describe('policy checks over the rendered chart', () => {
  it.each(valuesFiles())('%s passes every policy check', (valuesFile) => {
    const findings = runPolicies(renderChart(valuesFile)).map(formatFinding);
    expect(findings).toEqual([]);
  });

  // Each check must be able to fail: break the production render in one place
  // and expect a finding that names the check, the object and the field. What
  // kube-score judges instead is broken the same way in kube-score.spec.ts.
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
      'privilege escalation allowed',
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
      'an Unconfined seccomp profile',
      (o) => {
        container(find(o, 'Deployment', autoscaled)).securityContext!.seccompProfile = { type: 'Unconfined' };
      },
      {
        check: 'seccomp-runtime-default',
        object: `Deployment/meridian-${autoscaled}`,
        field: `spec.template.spec.containers[${autoscaled}].securityContext.seccompProfile.type`,
      },
    ],
    [
      'the host network',
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
      'no startup probe',
      (o) => {
        delete container(find(o, 'Deployment', worker)).startupProbe;
      },
      {
        check: 'startup-probe',
        object: `Deployment/meridian-${worker}`,
        field: `spec.template.spec.containers[${worker}].startupProbe`,
      },
    ],
    [
      'a token automounted',
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
      'the default service account',
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
      'a service account that automounts its token',
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
      'a StatefulSet PDB that allows two down',
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
      'a PDB that lets no pod go',
      (o) => {
        find(o, 'PodDisruptionBudget', worker).spec!.maxUnavailable = 0;
      },
      {
        check: 'pod-disruption-budget',
        object: `PodDisruptionBudget/meridian-${worker}`,
        field: 'spec.maxUnavailable',
      },
    ],
    [
      'a ScaledObject of one replica',
      (o) => {
        o.find((x) => x.kind === 'ScaledObject')!.spec!.minReplicaCount = 1;
      },
      { check: 'keda-scaling', object: `ScaledObject/${kedaScaled}`, field: 'spec.minReplicaCount' },
    ],
    [
      'replicas set beside the ScaledObject',
      (o) => {
        o.find((x) => x.kind === 'Deployment' && x.metadata.name === kedaScaled)!.spec!.replicas = 2;
      },
      { check: 'keda-scaling', object: `Deployment/${kedaScaled}`, field: 'spec.replicas' },
    ],
    [
      'no zone spread',
      (o) => {
        pod(find(o, 'Deployment', autoscaled)).spec.topologySpreadConstraints = [];
      },
      {
        check: 'zone-spread',
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
      'a pod without its own policy',
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
      'a Service port aimed at no container port',
      (o) => {
        (find(o, 'Service', autoscaled).spec!.ports as { targetPort: string }[])[0]!.targetPort = 'nothing';
      },
      {
        check: 'service-target-port',
        object: `Service/meridian-${autoscaled}`,
        field: 'spec.ports.targetPort',
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
      'a grace period shorter than the shutdown',
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
      'a StatefulSet rolling in parallel',
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
      'a recommended label missing',
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

  it.each(breakages.map(([what, breakIt, expected]) => ({ what, breakIt, ...expected })))(
    'finds $check at $object $field when the production render has $what',
    ({ breakIt, check, object, field }) => {
      const objects = renderChart('values-production.yaml');
      breakIt(objects);
      expect(runPolicies(objects)).toContainEqual(expect.objectContaining({ check, object, field }));
    },
  );
});
