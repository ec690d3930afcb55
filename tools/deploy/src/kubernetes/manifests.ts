/** Rendered Kubernetes objects and the parts of them the checks read. */
import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [field: string]: unknown;
}

export interface Probe {
  httpGet?: { path?: string; port?: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
  [field: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  args?: string[];
  command?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; emptyDir?: unknown; configMap?: unknown; secret?: unknown }[];
  affinity?: { podAntiAffinity?: unknown };
  topologySpreadConstraints?: unknown[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'];

/** The objects of one kind that belong to one of the chart's components (app.kubernetes.io/component). */
export const componentObjects = (objects: KubeObject[], kind: string, component: string) =>
  objects.filter(
    (object) => object.kind === kind && object.metadata.labels?.['app.kubernetes.io/component'] === component,
  );

export const objectRef = (object: KubeObject) => `${object.kind}/${object.metadata?.name ?? '(unnamed)'}`;

/** Parses `helm template` output into objects (empty documents dropped). */
export function parseManifests(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml)
    .map((document) => {
      if (document.errors.length > 0)
        throw new Error(`rendered YAML does not parse: ${document.errors[0]!.message}`);
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null && typeof object === 'object');
}

/** The pod template of a workload object, with the field path it sits at. */
export function podTemplateOf(object: KubeObject): { template: PodTemplate; path: string } | undefined {
  const spec = object.spec;
  switch (object.kind) {
    case 'Pod':
      return { template: { metadata: object.metadata, spec: object.spec as unknown as PodSpec }, path: '' };
    case 'CronJob': {
      const job = (spec?.jobTemplate as { spec: { template: PodTemplate } }).spec;
      return { template: job.template, path: 'spec.jobTemplate.spec.template.' };
    }
    default:
      return WORKLOAD_KINDS.includes(object.kind) && spec?.template
        ? { template: spec.template as PodTemplate, path: 'spec.template.' }
        : undefined;
  }
}

export const isHook = (object: KubeObject, hook?: string) => {
  const hooks = object.metadata.annotations?.['helm.sh/hook'];
  return hooks !== undefined && (hook === undefined || hooks.split(',').includes(hook));
};

/** Whether a label selector's matchLabels all hold on the given labels. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
) {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}
