import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ScratchRepository } from './scratch-repository';

export interface KubeObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** Helm and the Kubernetes version to render for, as scripts/ensure-deploy-tools.sh exports them. */
function deployTools(): { helm: string; kubeVersion: string } {
  const helm = process.env.MERIDIAN_HELM;
  const kubeVersion = process.env.MERIDIAN_KUBE_VERSION;
  if (!helm || !kubeVersion)
    throw new Error(
      'MERIDIAN_HELM is not set: run `. scripts/ensure-deploy-tools.sh` first (./meridian test does)',
    );
  return { helm, kubeVersion };
}

/** The chart's defaults and each environment's values-<environment>.yaml. */
export const valuesFiles = (chartDir: string): string[] => [
  'values.yaml',
  ...readdirSync(chartDir)
    .filter((name) => /^values-[a-z]+\.yaml$/.test(name))
    .sort(),
];

/** Every object `helm template` renders with one values file (values.schema.json applied), hooks and tests included. */
export async function renderChart(
  scratch: ScratchRepository,
  chartDir: string,
  valuesFile: string,
): Promise<KubeObject[]> {
  const { helm, kubeVersion } = deployTools();
  const manifests = await scratch.succeed(helm, [
    'template',
    basename(chartDir),
    chartDir,
    '--namespace',
    basename(chartDir),
    '--kube-version',
    kubeVersion,
    '-f',
    join(chartDir, valuesFile),
  ]);
  return parseAllDocuments(manifests)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null && typeof object === 'object');
}

/** The objects of one of the chart's components (app.kubernetes.io/component), as `Kind` names. */
export const componentKinds = (objects: KubeObject[], component: string): string[] =>
  objects
    .filter((object) => object.metadata.labels?.['app.kubernetes.io/component'] === component)
    .map((object) => object.kind)
    .sort();
