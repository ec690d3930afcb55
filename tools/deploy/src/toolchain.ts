/**
 * Where the deployment checks find Helm and the schemas they validate against.
 * scripts/ensure-deploy-tools.sh builds Helm from its Go module and fetches
 * the Kubernetes, KEDA, Argo CD and compose-go sources at pinned releases,
 * then exports these; the versions are pinned there and only there.
 */
import { existsSync } from 'node:fs';
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
};
