/**
 * Where the deployment checks find Helm and the schemas they validate against.
 * scripts/ensure-deploy-tools.sh builds Helm from its Go module and fetches
 * the Kubernetes and KEDA sources at pinned releases, then exports these.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const CHART_DIR = join(REPO_ROOT, 'deploy', 'helm', 'meridian');
export const COMPOSE_FILE = join(REPO_ROOT, 'docker', 'compose.yaml');
export const ARGOCD_DIR = join(REPO_ROOT, 'deploy', 'argocd');

function required(name: string): string {
  const value = process.env[name];
  if (!value || !existsSync(value)) {
    throw new Error(
      `${name} is ${value ? `${value}, which does not exist` : 'not set'}: run . scripts/ensure-deploy-tools.sh`,
    );
  }
  return value;
}

export const toolchain = {
  helm: () => required('MERIDIAN_HELM'),
  /** Kubernetes' api/openapi-spec/v3 folder. */
  kubernetesOpenApiDir: () => required('MERIDIAN_KUBE_OPENAPI_DIR'),
  kubernetesVersion: () => process.env.MERIDIAN_KUBE_VERSION ?? '1.37.2',
  /** KEDA's config/crd/bases folder. */
  kedaCrdDir: () => required('MERIDIAN_KEDA_CRD_DIR'),
  /** Argo CD's manifests/crds folder. */
  argoCdCrdDir: () => required('MERIDIAN_ARGOCD_CRD_DIR'),
  actionlint: () => required('MERIDIAN_ACTIONLINT'),
  /** compose-go's schema/compose-spec.json: what docker compose validates a file with. */
  composeSchema: () => required('MERIDIAN_COMPOSE_SCHEMA'),
};
