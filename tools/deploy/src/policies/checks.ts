/**
 * Policy checks over rendered manifests. Each one is a check of Polaris,
 * kube-score or kube-linter (named in `from`) that the chart must pass; a
 * finding names the object and the field it is about, so a failure says what
 * to change.
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
  /** The Polaris / kube-score / kube-linter checks this stands for. */
  from: string;
  run(objects: KubeObject[]): Finding[];
}

const NONROOT_ID = 65532;

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
    from: 'Polaris runAsRootAllowed; kube-score container-security-context-user-group-id; kube-linter run-as-non-root',
    run: (objects) =>
      eachContainer(objects, (workload, container, path) => {
        const problems: Finding[] = [];
        if (effective(workload, container, 'runAsNonRoot') !== true) {
          problems.push(
            finding(
              'run-as-non-root',
              workload.object,
              `${path}securityContext.runAsNonRoot`,
              'must be true',
            ),
          );
        }
        for (const field of ['runAsUser', 'runAsGroup']) {
          const value = effective(workload, container, field);
          if (value !== NONROOT_ID) {
            problems.push(
              finding(
                'run-as-non-root',
                workload.object,
                `${path}securityContext.${field}`,
                `is ${String(value)}, must be ${NONROOT_ID}`,
              ),
            );
          }
        }
        return problems;
      }),
  },
  {
    id: 'read-only-root-filesystem',
    from: 'Polaris notReadOnlyRootFilesystem; kube-score container-security-context-readonlyrootfilesystem; kube-linter no-read-only-root-fs',
    run: (objects) =>
      eachContainer(objects, (workload, container, path) =>
        container.securityContext?.readOnlyRootFilesystem === true
          ? []
          : [
              finding(
                'read-only-root-filesystem',
                workload.object,
                `${path}securityContext.readOnlyRootFilesystem`,
                'must be true',
              ),
            ],
      ),
  },
  {
    id: 'writable-tmp',
    from: 'a read-only root needs a writable /tmp (emptyDir)',
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
    from: 'Polaris privilegeEscalationAllowed, privileged; kube-score container-security-context-privileged; kube-linter privilege-escalation-container, privileged-container',
    run: (objects) =>
      eachContainer(objects, (workload, container, path) => [
        ...(container.securityContext?.allowPrivilegeEscalation === false
          ? []
          : [
              finding(
                'no-privilege-escalation',
                workload.object,
                `${path}securityContext.allowPrivilegeEscalation`,
                'must be false',
              ),
            ]),
        ...(container.securityContext?.privileged === true
          ? [
              finding(
                'no-privilege-escalation',
                workload.object,
                `${path}securityContext.privileged`,
                'must not be true',
              ),
            ]
          : []),
      ]),
  },
  {
    id: 'drop-all-capabilities',
    from: 'Polaris dangerousCapabilities, insecureCapabilities; kube-linter drop-net-raw-capability',
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
    from: 'kube-score container-seccomp-profile; Polaris (seccomp) ',
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
    from: 'Polaris hostNetworkSet, hostPIDSet, hostIPCSet; kube-linter host-network, host-pid, host-ipc',
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
    id: 'resources',
    from: 'Polaris cpuRequestsMissing, memoryRequestsMissing, cpuLimitsMissing, memoryLimitsMissing; kube-score container-resources, container-ephemeral-storage-request-and-limit; kube-linter unset-cpu-requirements, unset-memory-requirements',
    run: (objects) =>
      eachContainer(objects, (workload, container, path) =>
        (['requests', 'limits'] as const).flatMap((kind) =>
          ['cpu', 'memory', 'ephemeral-storage']
            .filter((resource) => !container.resources?.[kind]?.[resource])
            .map((resource) =>
              finding('resources', workload.object, `${path}resources.${kind}.${resource}`, 'must be set'),
            ),
        ),
      ),
  },
  {
    id: 'probes',
    from: 'Polaris livenessProbeMissing, readinessProbeMissing; kube-score pod-probes, pod-probes-identical; kube-linter no-liveness-probe, no-readiness-probe',
    run: (objects) =>
      eachContainer(objects, (workload, container, path) => {
        if (!workload.longRunning) return [];
        const problems = (['startupProbe', 'livenessProbe', 'readinessProbe'] as const)
          .filter((probe) => !container[probe])
          .map((probe) => finding('probes', workload.object, `${path}${probe}`, 'must be set'));
        if (
          container.livenessProbe &&
          container.readinessProbe &&
          JSON.stringify(container.livenessProbe) === JSON.stringify(container.readinessProbe)
        ) {
          problems.push(
            finding('probes', workload.object, `${path}livenessProbe`, 'must differ from readinessProbe'),
          );
        }
        return problems;
      }),
  },
  {
    id: 'image-pinned',
    from: 'Polaris tagNotSpecified; kube-score container-image-tag; kube-linter latest-tag',
    run: (objects) =>
      eachContainer(objects, (workload, container, path) => {
        const image = container.image ?? '';
        const digest = /@sha256:[a-f0-9]{64}$/.test(image);
        const tag = /:([^/:@]+)$/.exec(image)?.[1];
        return digest || (tag !== undefined && tag !== 'latest')
          ? []
          : [
              finding(
                'image-pinned',
                workload.object,
                `${path}image`,
                `"${image}" must name a version tag (not latest) or a digest`,
              ),
            ];
      }),
  },
  {
    id: 'service-account',
    from: 'kube-linter default-service-account, no-automount-service-account-token (Polaris automountServiceAccountToken)',
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
    from: 'Polaris missingPodDisruptionBudget; kube-score deployment-has-poddisruptionbudget, statefulset-has-poddisruptionbudget',
    run: (objects) =>
      podWorkloads(objects)
        .filter((workload) => workload.longRunning && replicasOf(workload.object, objects) > 1)
        .flatMap((workload) => {
          const budgets = objects.filter(
            (object) =>
              object.kind === 'PodDisruptionBudget' &&
              selects(matchLabelsOf(object), workload.template.metadata?.labels),
          );
          if (budgets.length === 0) {
            return [
              finding(
                'pod-disruption-budget',
                workload.object,
                'metadata.name',
                'has no PodDisruptionBudget selecting its pods',
              ),
            ];
          }
          return budgets.flatMap((budget) => {
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
          });
        }),
  },
  {
    id: 'autoscaling',
    from: 'kube-score horizontalpodautoscaler-has-target, deployment-replicas; Polaris (HPA minReplicas)',
    run: (objects) =>
      objects
        .filter((object) => object.kind === 'HorizontalPodAutoscaler' || object.kind === 'ScaledObject')
        .flatMap((scaler) => {
          const target = scaler.spec?.scaleTargetRef as { kind?: string; name: string };
          const workload = objects.find(
            (object) => object.kind === (target.kind ?? 'Deployment') && object.metadata.name === target.name,
          );
          const problems: Finding[] = [];
          if (!workload)
            problems.push(
              finding(
                'autoscaling',
                scaler,
                'spec.scaleTargetRef',
                `${target.kind ?? 'Deployment'}/${target.name} is not rendered`,
              ),
            );
          else if (workload.spec?.replicas !== undefined) {
            problems.push(
              finding(
                'autoscaling',
                workload,
                'spec.replicas',
                `must be unset: ${objectRef(scaler)} owns the replicas`,
              ),
            );
          }
          const min = Number(scaler.spec?.minReplicas ?? scaler.spec?.minReplicaCount ?? 1);
          if (min < 2)
            problems.push(
              finding(
                'autoscaling',
                scaler,
                scaler.kind === 'ScaledObject' ? 'spec.minReplicaCount' : 'spec.minReplicas',
                'must be at least 2',
              ),
            );
          return problems;
        }),
  },
  {
    id: 'anti-affinity',
    from: 'kube-score deployment-pod-anti-affinity, statefulset-pod-anti-affinity; Polaris topologySpreadConstraint; kube-linter no-anti-affinity',
    run: (objects) =>
      podWorkloads(objects)
        .filter((workload) => workload.longRunning && replicasOf(workload.object, objects) > 1)
        .flatMap((workload) => {
          const spec = workload.template.spec;
          const problems: Finding[] = [];
          if (!spec.affinity?.podAntiAffinity) {
            problems.push(
              finding(
                'anti-affinity',
                workload.object,
                `${workload.specPath}affinity.podAntiAffinity`,
                'must keep replicas apart',
              ),
            );
          }
          const keys = (spec.topologySpreadConstraints ?? []).map(
            (constraint) => (constraint as { topologyKey?: string }).topologyKey,
          );
          for (const key of ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']) {
            if (!keys.includes(key)) {
              problems.push(
                finding(
                  'anti-affinity',
                  workload.object,
                  `${workload.specPath}topologySpreadConstraints`,
                  `must spread over ${key}`,
                ),
              );
            }
          }
          return problems;
        }),
  },
  {
    id: 'network-policy',
    from: 'kube-score pod-networkpolicy, networkpolicy-targets-pod; kube-linter (non-isolated pod)',
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
      const workloads = podWorkloads(objects);
      for (const workload of workloads) {
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
      for (const policy of policies) {
        const selector = matchLabelsOf(policy);
        if (
          policy !== defaultDeny &&
          !workloads.some((workload) => selects(selector, workload.template.metadata?.labels))
        ) {
          problems.push(finding('network-policy', policy, 'spec.podSelector', 'selects no pod of the chart'));
        }
      }
      return problems;
    },
  },
  {
    id: 'service-targets-pod',
    from: 'kube-score service-targets-pod, statefulset-has-servicename; kube-linter dangling-service',
    run: (objects) => {
      const workloads = podWorkloads(objects).filter((workload) => !workload.helmTest);
      const problems: Finding[] = [];
      for (const service of objects.filter((object) => object.kind === 'Service')) {
        const selector = service.spec?.selector as Record<string, string> | undefined;
        const targets = workloads.filter((workload) => selects(selector, workload.template.metadata?.labels));
        if (targets.length === 0) {
          problems.push(
            finding('service-targets-pod', service, 'spec.selector', 'selects no pod of the chart'),
          );
          continue;
        }
        for (const port of (service.spec?.ports ?? []) as { targetPort?: string | number; port: number }[]) {
          const target = port.targetPort ?? port.port;
          const served = targets.some((workload) =>
            workload.template.spec.containers.some((container) =>
              (container.ports ?? []).some(
                (candidate) => candidate.name === target || candidate.containerPort === target,
              ),
            ),
          );
          if (!served)
            problems.push(
              finding(
                'service-targets-pod',
                service,
                'spec.ports.targetPort',
                `${String(target)} is no port of its pods`,
              ),
            );
        }
      }
      for (const statefulSet of objects.filter((object) => object.kind === 'StatefulSet')) {
        const name = statefulSet.spec?.serviceName as string | undefined;
        const service = objects.find((object) => object.kind === 'Service' && object.metadata.name === name);
        if (!service)
          problems.push(
            finding(
              'service-targets-pod',
              statefulSet,
              'spec.serviceName',
              `Service ${String(name)} is not rendered`,
            ),
          );
        else if (service.spec?.clusterIP !== 'None') {
          problems.push(
            finding(
              'service-targets-pod',
              service,
              'spec.clusterIP',
              `must be None: it governs StatefulSet/${statefulSet.metadata.name}`,
            ),
          );
        }
      }
      return problems;
    },
  },
  {
    id: 'checksum-annotations',
    from: 'Helm practice: pods roll when their ConfigMap or Secret changes',
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
    from: "the services' shutdown sequence (SHUTDOWN_DELAY_MS, SHUTDOWN_TIMEOUT_MS) must fit the termination grace period",
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
    from: "ordered, one-at-a-time rollouts with a canary partition for the registry's StatefulSets",
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
    from: 'kube-linter required-label-owner (recommended app.kubernetes.io labels)',
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
