import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { CHART_DIR, toolchain } from '../toolchain';
import { parseManifests, type KubeObject } from './manifests';

/** The chart's defaults and each environment's values-<environment>.yaml. */
export const valuesFiles = () => [
  'values.yaml',
  ...readdirSync(CHART_DIR)
    .filter((name) => /^values-[a-z]+\.yaml$/.test(name))
    .sort(),
];

/** helm's output by arguments: the chart does not change while the checks run, so each render happens once. */
const outputs = new Map<string, string>();

function helm(args: string[]): string {
  const key = JSON.stringify(args);
  const cached = outputs.get(key);
  if (cached !== undefined) return cached;
  const result = spawnSync(toolchain.helm(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`helm ${args.join(' ')} failed:\n${result.stderr || result.stdout}`);
  }
  outputs.set(key, result.stdout);
  return result.stdout;
}

/** `helm lint --strict` with one values file (values.schema.json is applied). */
export const lintChart = (valuesFile: string) =>
  helm([
    'lint',
    '--strict',
    CHART_DIR,
    '-f',
    `${CHART_DIR}/${valuesFile}`,
    '--kube-version',
    toolchain.kubernetesVersion(),
  ]);

/**
 * Every object `helm template` renders for one values file, hooks and tests
 * included; fresh objects each call. `set` and `setJson` are helm's --set and
 * --set-json (`services.notifications={"kind":"Deployment",...}`).
 */
export function renderChart(
  valuesFile: string | undefined,
  set: string[] = [],
  setJson: string[] = [],
): KubeObject[] {
  const args = ['template', 'meridian', CHART_DIR, '--namespace', 'meridian'];
  args.push('--kube-version', toolchain.kubernetesVersion());
  if (valuesFile) args.push('-f', `${CHART_DIR}/${valuesFile}`);
  for (const value of set) args.push('--set', value);
  for (const value of setJson) args.push('--set-json', value);
  return parseManifests(helm(args));
}

/**
 * `helm template` as Argo CD runs it for an Application: its release name and
 * destination namespace, and values files by path, in order (Argo CD passes its
 * helm.valueFiles, then helm.valuesObject written to a file of its own).
 */
export const renderChartAs = (release: string, namespace: string, valuesPaths: string[]): KubeObject[] =>
  parseManifests(
    helm([
      'template',
      release,
      CHART_DIR,
      '--namespace',
      namespace,
      '--kube-version',
      toolchain.kubernetesVersion(),
      ...valuesPaths.flatMap((path) => ['-f', path]),
    ]),
  );
