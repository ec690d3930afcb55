/**
 * The chart's own policy checks over rendered manifests: only what kube-score
 * and kubeconform (../kubernetes/kube-score.ts, ../kubernetes/kubeconform.ts)
 * cannot judge. Some rules are Meridian's own (its shutdown arithmetic, its
 * StatefulSet rollout, its writable /tmp, its startup probe); the others are
 * general practice kube-score v1.20 has no test for. Each says why in
 * `reason`. A finding names the object and the field it is about, so a
 * failure says what to change.
 */
import {
  componentObjects,
  type Container,
  isHook,
  type KubeObject,
  objectRef,
  podTemplateOf,
  type PodTemplate,
  selects,
} from '../kubernetes/manifests';
import { appConfigSchemas, describeVariables } from '@meridian/config';
import { readServiceRegistry } from '../service-registry';
import { REPO_ROOT } from '../toolchain';

export interface Finding {
  check: string;
  object: string;
  field: string;
  message: string;
}

export interface PolicyCheck {
  id: string;
  /** Why this is a check of ours: what kube-score and kubeconform do not look at. */
  reason: string;
  run(objects: KubeObject[]): Finding[];
}

interface PodWorkload {
  object: KubeObject;
  template: PodTemplate;
  /** Field path of the pod spec, ending in "spec.". */
  specPath: string;
  longRunning: boolean;
  helmTest: boolean;
}

function podWorkloads(objects: KubeObject[]): PodWorkload[] {
  return objects.flatMap((object) => {
    const found = podTemplateOf(object);
    if (!found) return [];
    return [
      {
        object,
        template: found.template,
        specPath: `${found.path}spec.`,
        longRunning:
          object.kind === 'Deployment' || object.kind === 'StatefulSet' || object.kind === 'DaemonSet',
        helmTest: isHook(object, 'test'),
      },
    ];
  });
}

function eachContainer(
  objects: KubeObject[],
  visit: (workload: PodWorkload, container: Container, path: string) => Finding[],
) {
  return podWorkloads(objects).flatMap((workload) =>
    [
      ...(workload.template.spec.initContainers ?? []).map((container) => ({
        container,
        kind: 'initContainers',
      })),
      ...workload.template.spec.containers.map((container) => ({ container, kind: 'containers' })),
    ].flatMap(({ container, kind }) =>
      visit(workload, container, `${workload.specPath}${kind}[${container.name}].`),
    ),
  );
}

const finding = (check: string, object: KubeObject, field: string, message: string): Finding => ({
  check,
  object: objectRef(object),
  field,
  message,
});

/** The pod-level value unless the container sets its own. */
function effective(workload: PodWorkload, container: Container, field: string): unknown {
  return container.securityContext?.[field] ?? workload.template.spec.securityContext?.[field];
}

function replicasOf(object: KubeObject, objects: KubeObject[]): number {
  const scaler = scalersOf(object, objects)[0];
  if (scaler) return Number(scaler.spec?.minReplicas ?? scaler.spec?.minReplicaCount ?? 1);
  return Number(object.spec?.replicas ?? 1);
}

function scalersOf(object: KubeObject, objects: KubeObject[]): KubeObject[] {
  return objects.filter(
    (candidate) =>
      (candidate.kind === 'HorizontalPodAutoscaler' || candidate.kind === 'ScaledObject') &&
      (candidate.spec?.scaleTargetRef as { kind?: string; name?: string } | undefined)?.name ===
        object.metadata.name &&
      ((candidate.spec?.scaleTargetRef as { kind?: string }).kind ?? 'Deployment') === object.kind,
  );
}

const matchLabelsOf = (object: KubeObject) =>
  (
    (object.spec?.selector ?? object.spec?.podSelector) as
      { matchLabels?: Record<string, string> } | undefined
  )?.matchLabels;

export const POLICY_CHECKS: PolicyCheck[] = [
  {
    id: 'run-as-non-root',
    reason:
      "kube-score checks the uid and gid (>= 10000), not runAsNonRoot, the kubelet's refusal to start uid 0",
    run: (objects) =>
      eachContainer(objects, (workload, container, path) =>
        effective(workload, container, 'runAsNonRoot') === true
          ? []
          : [
              finding(
                'run-as-non-root',
                workload.object,
                `${path}securityContext.runAsNonRoot`,
                'must be true',
              ),
            ],
      ),
  },
  {
    id: 'writable-tmp',
    reason:
      'a read-only root still needs /tmp (NODE_COMPILE_CACHE in docker/Dockerfile, the load test reports)',
    run: (objects) =>
      eachContainer(objects, (workload, container, path) => {
        const mount = container.volumeMounts?.find((candidate) => candidate.mountPath === '/tmp');
        const volume = workload.template.spec.volumes?.find((candidate) => candidate.name === mount?.name);
        return volume?.emptyDir !== undefined
          ? []
          : [
              finding(
                'writable-tmp',
                workload.object,
                `${path}volumeMounts`,
                'must mount an emptyDir volume at /tmp',
              ),
            ];
      }),
  },
  {
    id: 'no-privilege-escalation',
    reason: 'kube-score checks privileged, not allowPrivilegeEscalation (setuid binaries, no_new_privs)',
    run: (objects) =>
      eachContainer(objects, (workload, container, path) =>
        container.securityContext?.allowPrivilegeEscalation === false
          ? []
          : [
              finding(
                'no-privilege-escalation',
                workload.object,
                `${path}securityContext.allowPrivilegeEscalation`,
                'must be false',
              ),
            ],
      ),
  },
  {
    id: 'drop-all-capabilities',
    reason: 'kube-score has no test of Linux capabilities',
    run: (objects) =>
      eachContainer(objects, (workload, container, path) => [
        ...(container.securityContext?.capabilities?.drop?.includes('ALL')
          ? []
          : [
              finding(
                'drop-all-capabilities',
                workload.object,
                `${path}securityContext.capabilities.drop`,
                'must include ALL',
              ),
            ]),
        ...((container.securityContext?.capabilities?.add?.length ?? 0) > 0
          ? [
              finding(
                'drop-all-capabilities',
                workload.object,
                `${path}securityContext.capabilities.add`,
                'must be empty',
              ),
            ]
          : []),
      ]),
  },
  {
    id: 'seccomp-runtime-default',
    reason: "kube-score's container-seccomp-profile wants a profile, and takes Unconfined for one",
    run: (objects) =>
      eachContainer(objects, (workload, container, path) => {
        const profile = effective(workload, container, 'seccompProfile') as { type?: string } | undefined;
        return profile?.type === 'RuntimeDefault'
          ? []
          : [
              finding(
                'seccomp-runtime-default',
                workload.object,
                `${path}securityContext.seccompProfile.type`,
                'must be RuntimeDefault',
              ),
            ];
      }),
  },
  {
    id: 'host-namespaces',
    reason: 'kube-score has no test of hostNetwork, hostPID or hostIPC',
    run: (objects) =>
      podWorkloads(objects).flatMap((workload) =>
        (['hostNetwork', 'hostPID', 'hostIPC'] as const)
          .filter((field) => workload.template.spec[field] === true)
          .map((field) =>
            finding('host-namespaces', workload.object, `${workload.specPath}${field}`, 'must not be true'),
          ),
      ),
  },
  {
    id: 'startup-probe',
    reason:
      "boot work (migrations check, connections) is /health/startup's (ADR 0005); kube-score asks for none",
    run: (objects) =>
      eachContainer(objects, (workload, container, path) =>
        workload.longRunning && !container.startupProbe
          ? [finding('startup-probe', workload.object, `${path}startupProbe`, 'must be set')]
          : [],
      ),
  },
  {
    id: 'service-account',
    reason: 'kube-score has no test of service accounts or their tokens',
    run: (objects) => {
      const accounts = objects.filter((object) => object.kind === 'ServiceAccount');
      const problems = accounts
        .filter((account) => account.automountServiceAccountToken !== false)
        .map((account) =>
          finding('service-account', account, 'automountServiceAccountToken', 'must be false'),
        );
      for (const workload of podWorkloads(objects)) {
        const spec = workload.template.spec;
        if (spec.automountServiceAccountToken !== false) {
          problems.push(
            finding(
              'service-account',
              workload.object,
              `${workload.specPath}automountServiceAccountToken`,
              'must be false',
            ),
          );
        }
        if (workload.helmTest) continue;
        const name = spec.serviceAccountName;
        if (!name || name === 'default') {
          problems.push(
            finding(
              'service-account',
              workload.object,
              `${workload.specPath}serviceAccountName`,
              'must name a ServiceAccount of its own',
            ),
          );
        } else if (!accounts.some((account) => account.metadata.name === name)) {
          problems.push(
            finding(
              'service-account',
              workload.object,
              `${workload.specPath}serviceAccountName`,
              `ServiceAccount ${name} is not rendered`,
            ),
          );
        }
      }
      return problems;
    },
  },
  {
    id: 'pod-disruption-budget',
    reason:
      "kube-score checks a budget exists, not that it lets a node drain, nor the ledger's one pod at a time",
    run: (objects) =>
      podWorkloads(objects)
        .filter((workload) => workload.longRunning && replicasOf(workload.object, objects) > 1)
        .flatMap((workload) =>
          objects
            .filter(
              (object) =>
                object.kind === 'PodDisruptionBudget' &&
                selects(matchLabelsOf(object), workload.template.metadata?.labels),
            )
            .flatMap((budget) => {
              const { maxUnavailable, minAvailable } = budget.spec as {
                maxUnavailable?: number | string;
                minAvailable?: number;
              };
              if (maxUnavailable === 0 || maxUnavailable === '0%') {
                return [
                  finding(
                    'pod-disruption-budget',
                    budget,
                    'spec.maxUnavailable',
                    'of 0 blocks every voluntary eviction',
                  ),
                ];
              }
              if (workload.object.kind === 'StatefulSet' && maxUnavailable !== 1) {
                return [
                  finding(
                    'pod-disruption-budget',
                    budget,
                    'spec.maxUnavailable',
                    'must be 1 for a StatefulSet (one pod at a time)',
                  ),
                ];
              }
              if (typeof minAvailable === 'number' && minAvailable >= replicasOf(workload.object, objects)) {
                return [
                  finding(
                    'pod-disruption-budget',
                    budget,
                    'spec.minAvailable',
                    'is not below the replicas, so nothing can be evicted',
                  ),
                ];
              }
              return [];
            }),
        ),
  },
  {
    id: 'keda-scaling',
    reason: "kube-score judges HorizontalPodAutoscalers; KEDA's ScaledObject makes its HPA in the cluster",
    run: (objects) =>
      objects
        .filter((object) => object.kind === 'ScaledObject')
        .flatMap((scaler) => {
          const target = scaler.spec?.scaleTargetRef as { kind?: string; name: string };
          const workload = objects.find(
            (object) => object.kind === (target.kind ?? 'Deployment') && object.metadata.name === target.name,
          );
          const problems: Finding[] = [];
          if (!workload)
            problems.push(
              finding(
                'keda-scaling',
                scaler,
                'spec.scaleTargetRef',
                `${target.kind ?? 'Deployment'}/${target.name} is not rendered`,
              ),
            );
          else if (workload.spec?.replicas !== undefined) {
            problems.push(
              finding(
                'keda-scaling',
                workload,
                'spec.replicas',
                `must be unset: ${objectRef(scaler)} owns the replicas`,
              ),
            );
          }
          if (Number(scaler.spec?.minReplicaCount ?? 0) < 2)
            problems.push(finding('keda-scaling', scaler, 'spec.minReplicaCount', 'must be at least 2'));
          return problems;
        }),
  },
  {
    id: 'zone-spread',
    reason: 'kube-score checks host anti-affinity and the spread constraints given, but requires none',
    run: (objects) =>
      podWorkloads(objects)
        .filter((workload) => workload.longRunning && replicasOf(workload.object, objects) > 1)
        .flatMap((workload) => {
          const keys = (workload.template.spec.topologySpreadConstraints ?? []).map(
            (constraint) => (constraint as { topologyKey?: string }).topologyKey,
          );
          return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']
            .filter((key) => !keys.includes(key))
            .map((key) =>
              finding(
                'zone-spread',
                workload.object,
                `${workload.specPath}topologySpreadConstraints`,
                `must spread over ${key}`,
              ),
            );
        }),
  },
  {
    id: 'network-policy',
    reason:
      "a default deny satisfies kube-score's pod-networkpolicy for every pod; each also needs its own policy",
    run: (objects) => {
      const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
      const problems: Finding[] = [];
      const defaultDeny = policies.find((policy) => {
        const spec = policy.spec as {
          podSelector?: object;
          policyTypes?: string[];
          ingress?: unknown[];
          egress?: unknown[];
        };
        return (
          Object.keys(spec.podSelector ?? { missing: true }).length === 0 &&
          spec.policyTypes?.includes('Ingress') &&
          spec.policyTypes.includes('Egress') &&
          !spec.ingress?.length &&
          !spec.egress?.length
        );
      });
      if (!defaultDeny) {
        problems.push({
          check: 'network-policy',
          object: 'NetworkPolicy/*',
          field: 'spec.podSelector',
          message: 'no default-deny policy (empty podSelector, Ingress and Egress, no rules)',
        });
      }
      for (const workload of podWorkloads(objects)) {
        const covering = policies.filter((policy) =>
          selects(matchLabelsOf(policy), workload.template.metadata?.labels),
        );
        for (const type of ['Ingress', 'Egress']) {
          if (
            !covering.some((policy) => (policy.spec?.policyTypes as string[] | undefined)?.includes(type))
          ) {
            problems.push(
              finding(
                'network-policy',
                workload.object,
                `${workload.specPath.replace(/spec\.$/, '')}metadata.labels`,
                `no NetworkPolicy allows its ${type.toLowerCase()} explicitly`,
              ),
            );
          }
        }
      }
      return problems;
    },
  },
  {
    id: 'service-target-port',
    reason: "kube-score's service-targets-pod matches a Service's selector, not its ports",
    run: (objects) => {
      const workloads = podWorkloads(objects).filter((workload) => !workload.helmTest);
      return objects
        .filter((object) => object.kind === 'Service')
        .flatMap((service) => {
          const selector = service.spec?.selector as Record<string, string> | undefined;
          const targets = workloads.filter((workload) =>
            selects(selector, workload.template.metadata?.labels),
          );
          return ((service.spec?.ports ?? []) as { targetPort?: string | number; port: number }[])
            .map((port) => port.targetPort ?? port.port)
            .filter(
              (target) =>
                !targets.some((workload) =>
                  workload.template.spec.containers.some((container) =>
                    (container.ports ?? []).some(
                      (candidate) => candidate.name === target || candidate.containerPort === target,
                    ),
                  ),
                ),
            )
            .map((target) =>
              finding(
                'service-target-port',
                service,
                'spec.ports.targetPort',
                `${String(target)} is no port of its pods`,
              ),
            );
        });
    },
  },
  {
    id: 'checksum-annotations',
    reason: 'pods roll when their ConfigMap or Secret changes (Helm practice); kube-score has no such test',
    run: (objects) =>
      podWorkloads(objects)
        .filter((workload) => workload.longRunning)
        .flatMap((workload) => {
          const annotations = workload.template.metadata?.annotations ?? {};
          const containers = workload.template.spec.containers;
          const usesConfig = containers.some((container) =>
            container.envFrom?.some((source) => source.configMapRef),
          );
          const usesSecret = containers.some((container) =>
            container.env?.some((variable) => variable.valueFrom?.secretKeyRef),
          );
          return [
            ...(usesConfig && !annotations['checksum/config']
              ? [
                  finding(
                    'checksum-annotations',
                    workload.object,
                    'spec.template.metadata.annotations.checksum/config',
                    'must be set',
                  ),
                ]
              : []),
            ...(usesSecret && !annotations['checksum/secret']
              ? [
                  finding(
                    'checksum-annotations',
                    workload.object,
                    'spec.template.metadata.annotations.checksum/secret',
                    'must be set',
                  ),
                ]
              : []),
          ];
        }),
  },
  {
    id: 'graceful-shutdown',
    reason:
      "Meridian's shutdown (SHUTDOWN_DELAY_MS, SHUTDOWN_TIMEOUT_MS, call deadlines) must fit the grace period",
    run: (objects) =>
      podWorkloads(objects)
        .filter((workload) => workload.longRunning)
        .flatMap((workload) =>
          workload.template.spec.containers.flatMap((container) => {
            const config = Object.assign(
              {},
              ...(container.envFrom ?? []).map(
                (source) =>
                  objects.find(
                    (object) =>
                      object.kind === 'ConfigMap' && object.metadata.name === source.configMapRef?.name,
                  )?.data ?? {},
              ),
            ) as Record<string, string>;
            if (config.SHUTDOWN_TIMEOUT_MS === undefined) return [];
            const graceMs = (workload.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
            const problems: Finding[] = [];
            if (graceMs <= Number(config.SHUTDOWN_TIMEOUT_MS)) {
              problems.push(
                finding(
                  'graceful-shutdown',
                  workload.object,
                  `${workload.specPath}terminationGracePeriodSeconds`,
                  `${graceMs / 1000} s must exceed SHUTDOWN_TIMEOUT_MS (${config.SHUTDOWN_TIMEOUT_MS} ms)`,
                ),
              );
            }
            // After the delay, the longest request in flight must still finish: a caller's request
            // waits at most for its callee's deadline (<CALLEE>_DEADLINE_MS), retries included.
            const app = workload.object.metadata.labels?.['app.kubernetes.io/component'];
            const longestRequestMs = app ? longestRequestMsOf(app, config) : 0;
            const drainMs = Number(config.SHUTDOWN_TIMEOUT_MS) - Number(config.SHUTDOWN_DELAY_MS ?? 0);
            if (drainMs < longestRequestMs + 1_000) {
              problems.push(
                finding(
                  'graceful-shutdown',
                  workload.object,
                  'ConfigMap.data.SHUTDOWN_TIMEOUT_MS',
                  `SHUTDOWN_TIMEOUT_MS - SHUTDOWN_DELAY_MS (${drainMs} ms) must cover the longest request (${longestRequestMs} ms, a call deadline) and 1 s to close`,
                ),
              );
            }
            return problems;
          }),
        ),
  },
  {
    id: 'statefulset-rollout',
    reason:
      'the system of record rolls in order, one pod at a time, with a canary partition; kube-score asks none of it',
    run: (objects) =>
      readServiceRegistry()
        .filter((service) => service.kind === 'StatefulSet')
        .flatMap((service) => componentObjects(objects, 'StatefulSet', service.name))
        .flatMap((statefulSet) => {
          const spec = statefulSet.spec as {
            podManagementPolicy?: string;
            updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
          };
          return [
            ...(spec.podManagementPolicy === 'OrderedReady'
              ? []
              : [
                  finding(
                    'statefulset-rollout',
                    statefulSet,
                    'spec.podManagementPolicy',
                    'must be OrderedReady',
                  ),
                ]),
            ...(spec.updateStrategy?.type === 'RollingUpdate' &&
            typeof spec.updateStrategy.rollingUpdate?.partition === 'number'
              ? []
              : [
                  finding(
                    'statefulset-rollout',
                    statefulSet,
                    'spec.updateStrategy.rollingUpdate.partition',
                    'must be set (RollingUpdate)',
                  ),
                ]),
          ];
        }),
  },
  {
    id: 'recommended-labels',
    reason:
      "kube-score's label-values checks label values, not that Kubernetes' recommended labels are there",
    run: (objects) =>
      objects.flatMap((object) =>
        [
          'app.kubernetes.io/name',
          'app.kubernetes.io/instance',
          'app.kubernetes.io/component',
          'app.kubernetes.io/version',
          'app.kubernetes.io/managed-by',
        ]
          .filter((label) => !object.metadata.labels?.[label])
          .map((label) => finding('recommended-labels', object, `metadata.labels.${label}`, 'must be set')),
      ),
  },
];

export const runPolicies = (objects: KubeObject[]) => POLICY_CHECKS.flatMap((check) => check.run(objects));

export const formatFinding = (item: Finding) =>
  `[${item.check}] ${item.object} ${item.field}: ${item.message}`;

let appSchemas: ReturnType<typeof appConfigSchemas> | undefined;

/** The longest a request of `app` may take: the largest deadline of its calls to other services (none: 0). */
function longestRequestMsOf(app: string, config: Record<string, string>): number {
  const schema = (appSchemas ??= appConfigSchemas(REPO_ROOT)).get(app);
  if (!schema) return 0;
  const deadlines = describeVariables(schema)
    .filter((variable) => variable.name.endsWith('_DEADLINE_MS'))
    .map((variable) => Number(config[variable.name] ?? variable.default ?? 0));
  return Math.max(0, ...deadlines);
}
