/**
 * Validates manifests with kubeconform (-strict) against the schemas of the
 * pinned Kubernetes release and of the CRDs of the custom resources the chart
 * and the Argo CD Applications use (KEDA's, Argo CD's, the Prometheus
 * Operator's, the Vertical Pod Autoscaler's, Kyverno's), written by
 * ./kubeconform-schemas.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, toolchain } from '../toolchain';
import { cachedSchemaFolder, schemaLocations } from './kubeconform-schemas';
import { type KubeObject } from './manifests';

export interface KubeconformProblem {
  /** kind/name, as kubeconform read them. */
  object: string;
  /** statusInvalid: the object breaks its schema; statusError: it could not be checked (no schema, bad YAML). */
  status: string;
  message: string;
  /** Where in the object and what, for statusInvalid. */
  errors: { path: string; msg: string }[];
}

export interface KubeconformReport {
  problems: KubeconformProblem[];
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => join(dir, name));

let schemaFolder: string | undefined;

/** The schema folder for the toolchain's release and CRDs, written into the cache once, looked up once per process. */
export const kubeconformSchemaFolder = () =>
  (schemaFolder ??= cachedSchemaFolder(cacheDir(), {
    openapiDir: toolchain.kubernetesOpenApiDir(),
    kubernetesVersion: toolchain.kubernetesVersion(),
    crdFiles: [
      ...yamlFiles(toolchain.kedaCrdDir()),
      ...yamlFiles(toolchain.argoCdCrdDir()),
      ...yamlFiles(toolchain.prometheusOperatorCrdDir()),
      toolchain.vpaCrdFile(),
      ...yamlFiles(toolchain.kyvernoCrdDir()),
    ],
  }));

/**
 * Runs `kubeconform -strict` on objects (each written as a JSON document, so no
 * YAML reading of ours can change a value) or on YAML text as it is.
 */
export function kubeconform(manifests: KubeObject[] | string): KubeconformReport {
  const input =
    typeof manifests === 'string'
      ? manifests
      : manifests.map((object) => JSON.stringify(object)).join('\n---\n');
  const args = [
    '-strict',
    '-summary',
    '-output',
    'json',
    '-kubernetes-version',
    toolchain.kubernetesVersion(),
    ...schemaLocations(kubeconformSchemaFolder()).flatMap((location) => ['-schema-location', location]),
    '-',
  ];
  const result = spawnSync(toolchain.kubeconform(), args, {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  let output: {
    resources: {
      kind: string;
      name: string;
      status: string;
      msg: string;
      validationErrors?: KubeconformProblem['errors'];
    }[];
    summary: KubeconformReport['summary'];
  };
  try {
    output = JSON.parse(result.stdout) as typeof output;
  } catch {
    throw new Error(
      `kubeconform exited ${result.status} without a report:\n${result.stderr || result.stdout}`,
    );
  }
  const problems = output.resources.map((resource) => ({
    object: `${resource.kind}/${resource.name}`,
    status: resource.status,
    message: resource.msg,
    errors: resource.validationErrors ?? [],
  }));
  // kubeconform exits 1 exactly when it reports a problem; anything else is not a verdict.
  if (result.status !== (problems.length > 0 ? 1 : 0)) {
    throw new Error(`kubeconform exited ${result.status}:\n${result.stderr || result.stdout}`);
  }
  return { problems, summary: output.summary };
}
