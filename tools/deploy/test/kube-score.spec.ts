import { spawnSync } from 'node:child_process';
import { renderChart, valuesFiles } from '../src/kubernetes/helm';
import {
  formatKubeScoreFinding,
  KUBE_SCORE_IGNORED_TESTS,
  KUBE_SCORE_OPTIONAL_TESTS,
  kubeScore,
} from '../src/kubernetes/kube-score';
import { type KubeObject, podTemplateOf } from '../src/kubernetes/manifests';
import { toolchain } from '../src/toolchain';
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

const without = (objects: KubeObject[], object: KubeObject) => objects.splice(objects.indexOf(object), 1);

/** `kube-score list`: id -> default | optional. */
function listedTests(): Map<string, string> {
  const result = spawnSync(toolchain.kubeScore(), ['list'], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  return new Map(
    result.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const fields = line.split(',');
        return [fields[0]!, fields[fields.length - 1]!];
      }),
  );
}

describe('kube-score', () => {
  it.each(valuesFiles())('grades every test OK on the render of %s', (valuesFile) => {
    expect(kubeScore(renderChart(valuesFile), valuesFile).map(formatKubeScoreFinding)).toEqual([]);
  });

  it('runs optional tests kube-score lists as optional, and ignores only tests it lists, on values files that exist, each with a reason', () => {
    const listed = listedTests();
    for (const [test, reason] of Object.entries(KUBE_SCORE_OPTIONAL_TESTS)) {
      expect([test, listed.get(test), reason.length > 20]).toEqual([test, 'optional', true]);
    }
    expect(valuesFiles()).toEqual(expect.arrayContaining(Object.keys(KUBE_SCORE_IGNORED_TESTS)));
    for (const ignored of Object.values(KUBE_SCORE_IGNORED_TESTS)) {
      for (const [test, reason] of Object.entries(ignored)) {
        expect([test, listed.has(test), reason.length > 20]).toEqual([test, true, true]);
      }
    }
  });

  it('is told to pass over an object only once: deployment-replicas, on each Deployment a KEDA ScaledObject scales', () => {
    for (const valuesFile of valuesFiles()) {
      const objects = renderChart(valuesFile);
      const annotated = objects
        .filter((object) => object.metadata.annotations?.['kube-score/ignore'] !== undefined)
        .map(
          (object) =>
            `${object.kind}/${object.metadata.name}: ${object.metadata.annotations!['kube-score/ignore']}`,
        );
      const kedaScaled = objects
        .filter((object) => object.kind === 'ScaledObject')
        .map(
          (object) =>
            `Deployment/${(object.spec!.scaleTargetRef as { name: string }).name}: deployment-replicas`,
        );
      expect([valuesFile, annotated]).toEqual([valuesFile, kedaScaled]);
      for (const object of objects) {
        const template = podTemplateOf(object)?.template;
        expect(template?.metadata?.annotations?.['kube-score/ignore']).toBeUndefined();
      }
    }
  });

  // What the chart's policy checks no longer look at, since kube-score does: break
  // the production render in one place and expect kube-score's test to name the object.
  const breakages: [string, (objects: KubeObject[]) => void, { check: string; object: string }][] = [
    [
      'a container running as root',
      (o) => {
        container(find(o, 'StatefulSet', stateful)).securityContext!.runAsUser = 0;
      },
      { check: 'container-security-context-user-group-id', object: `StatefulSet/meridian-${stateful}` },
    ],
    [
      'a writable root filesystem',
      (o) => {
        container(find(o, 'Deployment', worker)).securityContext!.readOnlyRootFilesystem = false;
      },
      { check: 'container-security-context-readonlyrootfilesystem', object: `Deployment/meridian-${worker}` },
    ],
    [
      'a privileged container',
      (o) => {
        container(find(o, 'Job', 'migrations')).securityContext!.privileged = true;
      },
      { check: 'container-security-context-privileged', object: `Job/meridian-migrations-${migrated}` },
    ],
    [
      'no seccomp profile',
      (o) => {
        delete container(find(o, 'Deployment', autoscaled)).securityContext!.seccompProfile;
        delete pod(find(o, 'Deployment', autoscaled)).spec.securityContext!.seccompProfile;
      },
      { check: 'container-seccomp-profile', object: `Deployment/meridian-${autoscaled}` },
    ],
    [
      'no memory limit',
      (o) => {
        delete container(find(o, 'StatefulSet', stateful)).resources!.limits!.memory;
      },
      { check: 'container-resources', object: `StatefulSet/meridian-${stateful}` },
    ],
    [
      'no ephemeral-storage request',
      (o) => {
        delete container(find(o, 'Deployment', worker)).resources!.requests!['ephemeral-storage'];
      },
      { check: 'container-ephemeral-storage-request-and-limit', object: `Deployment/meridian-${worker}` },
    ],
    [
      'no readiness probe',
      (o) => {
        delete container(find(o, 'Deployment', worker)).readinessProbe;
      },
      { check: 'pod-probes', object: `Deployment/meridian-${worker}` },
    ],
    [
      'a liveness probe identical to its readiness probe',
      (o) => {
        const c = container(find(o, 'Deployment', autoscaled));
        c.livenessProbe = c.readinessProbe;
      },
      { check: 'pod-probes-identical', object: `Deployment/meridian-${autoscaled}` },
    ],
    [
      'two container ports of one name',
      (o) => {
        container(find(o, 'StatefulSet', stateful)).ports![1]!.name = 'http';
      },
      { check: 'container-ports-check', object: `StatefulSet/meridian-${stateful}` },
    ],
    [
      'the latest tag',
      (o) => {
        container(find(o, 'StatefulSet', stateful)).image = `ghcr.io/x/meridian-${stateful}:latest`;
      },
      { check: 'container-image-tag', object: `StatefulSet/meridian-${stateful}` },
    ],
    [
      'no PodDisruptionBudget for the StatefulSet',
      (o) => without(o, find(o, 'PodDisruptionBudget', stateful)),
      { check: 'statefulset-has-poddisruptionbudget', object: `StatefulSet/meridian-${stateful}` },
    ],
    [
      'no PodDisruptionBudget for a Deployment',
      (o) => without(o, find(o, 'PodDisruptionBudget', worker)),
      { check: 'deployment-has-poddisruptionbudget', object: `Deployment/meridian-${worker}` },
    ],
    [
      'an autoscaler of one replica',
      (o) => {
        find(o, 'HorizontalPodAutoscaler', autoscaled).spec!.minReplicas = 1;
      },
      { check: 'horizontalpodautoscaler-replicas', object: `HorizontalPodAutoscaler/meridian-${autoscaled}` },
    ],
    [
      'an autoscaler aimed at no workload',
      (o) => {
        (find(o, 'HorizontalPodAutoscaler', autoscaled).spec!.scaleTargetRef as { name: string }).name =
          'nothing';
      },
      {
        check: 'horizontalpodautoscaler-has-target',
        object: `HorizontalPodAutoscaler/meridian-${autoscaled}`,
      },
    ],
    [
      'replicas set beside the autoscaler',
      (o) => {
        find(o, 'Deployment', autoscaled).spec!.replicas = 2;
      },
      {
        check: 'deployment-targeted-by-hpa-does-not-have-replicas-configured',
        object: `Deployment/meridian-${autoscaled}`,
      },
    ],
    [
      'no kube-score/ignore on the Deployment KEDA scales (kube-score sees no HPA, so one replica)',
      (o) => {
        delete o.find((x) => x.kind === 'Deployment' && x.metadata.name === kedaScaled)!.metadata
          .annotations!['kube-score/ignore'];
      },
      { check: 'deployment-replicas', object: `Deployment/${kedaScaled}` },
    ],
    [
      'no pod anti-affinity',
      (o) => {
        delete pod(find(o, 'StatefulSet', stateful)).spec.affinity;
      },
      { check: 'statefulset-has-host-podantiaffinity', object: `StatefulSet/meridian-${stateful}` },
    ],
    [
      'no NetworkPolicy at all',
      (o) => {
        for (const policy of o.filter((object) => object.kind === 'NetworkPolicy')) without(o, policy);
      },
      { check: 'pod-networkpolicy', object: `Deployment/meridian-${autoscaled}` },
    ],
    [
      'a NetworkPolicy that selects no pod',
      (o) => {
        (
          find(o, 'NetworkPolicy', worker).spec!.podSelector as { matchLabels: Record<string, string> }
        ).matchLabels['app.kubernetes.io/component'] = 'nothing';
      },
      { check: 'networkpolicy-targets-pod', object: `NetworkPolicy/meridian-${worker}` },
    ],
    [
      'a Service that selects no pod',
      (o) => {
        (find(o, 'Service', autoscaled).spec!.selector as Record<string, string>)[
          'app.kubernetes.io/component'
        ] = 'nothing';
      },
      { check: 'service-targets-pod', object: `Service/meridian-${autoscaled}` },
    ],
    [
      'a governing Service that is not headless',
      (o) => {
        delete o.find((x) => x.metadata.name === `meridian-${stateful}-headless`)!.spec!.clusterIP;
      },
      { check: 'statefulset-has-servicename', object: `StatefulSet/meridian-${stateful}` },
    ],
  ];

  it.each(breakages.map(([what, breakIt, expected]) => ({ what, breakIt, ...expected })))(
    'reports $check on $object when the production render has $what',
    ({ breakIt, check, object }) => {
      const objects = renderChart('values-production.yaml');
      breakIt(objects);
      expect(kubeScore(objects, 'values-production.yaml')).toContainEqual(
        expect.objectContaining({ check, object }),
      );
    },
  );
});
