/**
 * Where the deployment checks find their tools and the schemas they validate against.
 * scripts/ensure-deploy-tools.sh builds Helm, kube-score and kubeconform from
 * their Go modules and fetches the Kubernetes, KEDA, Argo CD, Prometheus
 * Operator, Vertical Pod Autoscaler, Kyverno and compose-go sources at pinned
 * releases, then exports these; the versions are pinned there and only there.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const CHART_DIR = join(REPO_ROOT, 'deploy', 'helm', 'meridian');
export const COMPOSE_FILE = join(REPO_ROOT, 'docker', 'compose.yaml');
export const ARGOCD_DIR = join(REPO_ROOT, 'deploy', 'argocd');

function required(name: string, isPath = true): string {
  const value = process.env[name];
  if (!value || (isPath && !existsSync(value))) {
    throw new Error(
      `${name} is ${value ? `${value}, which does not exist` : 'not set'}: run . scripts/ensure-deploy-tools.sh`,
    );
  }
  return value;
}

export const toolchain = {
  helm: () => required('MERIDIAN_HELM'),
  kubeScore: () => required('MERIDIAN_KUBE_SCORE'),
  kubeconform: () => required('MERIDIAN_KUBECONFORM'),
  /** Kubernetes' api/openapi-spec/v3 folder. */
  kubernetesOpenApiDir: () => required('MERIDIAN_KUBE_OPENAPI_DIR'),
  /** The release those documents are from; charts render for it. */
  kubernetesVersion: () => required('MERIDIAN_KUBE_VERSION', false),
  /** KEDA's config/crd/bases folder. */
  kedaCrdDir: () => required('MERIDIAN_KEDA_CRD_DIR'),
  /** Argo CD's manifests/crds folder. */
  argoCdCrdDir: () => required('MERIDIAN_ARGOCD_CRD_DIR'),
  actionlint: () => required('MERIDIAN_ACTIONLINT'),
  /** compose-go's schema/compose-spec.json: what docker compose validates a file with. */
  composeSchema: () => required('MERIDIAN_COMPOSE_SCHEMA'),
  /** Prometheus' promtool: checks and unit-tests the alerting and recording rules. */
  promtool: () => required('MERIDIAN_PROMTOOL'),
  /** The Prometheus Operator's example/prometheus-operator-crd folder (PrometheusRule, ServiceMonitor, ...). */
  prometheusOperatorCrdDir: () => required('MERIDIAN_PROMETHEUS_OPERATOR_CRD_DIR'),
  /** The Vertical Pod Autoscaler's deploy/vpa-v1-crd-gen.yaml (VerticalPodAutoscaler, its checkpoints). */
  vpaCrdFile: () => required('MERIDIAN_VPA_CRD_FILE'),
  /** Kyverno's config/crds/policies.kyverno.io folder (NamespacedImageValidatingPolicy, ...). */
  kyvernoCrdDir: () => required('MERIDIAN_KYVERNO_CRD_DIR'),
};

/** The cache scripts/go-tools.sh builds the tools into; derived files (kubeconform's schemas) go there too. */
export const cacheDir = () =>
  process.env.MERIDIAN_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'meridian');
