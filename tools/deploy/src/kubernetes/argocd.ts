/** The Argo CD objects of deploy/argocd, and what Argo CD renders for each Application. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ARGOCD_DIR, CHART_DIR, REPO_ROOT } from '../toolchain';
import { renderChartAs } from './helm';
import { type KubeObject } from './manifests';

export interface ApplicationSource {
  repoURL: string;
  targetRevision: string;
  path: string;
  helm: { releaseName: string; valueFiles: string[]; valuesObject?: Record<string, unknown> };
}

/** An object of deploy/argocd: it names the namespace Argo CD runs in. */
export interface ArgoCdObject extends KubeObject {
  metadata: KubeObject['metadata'] & { namespace?: string };
}

export interface Application extends ArgoCdObject {
  spec: {
    project: string;
    source: ApplicationSource;
    destination: { server: string; namespace: string };
    syncPolicy?: { syncOptions?: string[] };
  };
}

/** Every object of deploy/argocd/*.yaml, by file name. */
export const argoCdObjects = (dir = ARGOCD_DIR) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({ name, object: parse(readFileSync(join(dir, name), 'utf8')) as ArgoCdObject }));

export const applications = () =>
  argoCdObjects()
    .filter(({ object }) => object.kind === 'Application')
    .map(({ name, object }) => ({ name, application: object as Application }));

/**
 * The chart as Argo CD renders it for an Application: its value files, then its
 * helm.valuesObject (argo-cd v3.5 util/helm/cmd.go passes it as the last
 * --values file, so it merges over them key by key).
 */
export function renderApplication(application: Application): KubeObject[] {
  const { source, destination } = application.spec;
  if (join(REPO_ROOT, source.path) !== CHART_DIR)
    throw new Error(`${application.metadata.name}: ${source.path} is not the chart`);
  const scratch = mkdtempSync(join(tmpdir(), 'meridian-application-'));
  try {
    const files = source.helm.valueFiles.map((file) => join(CHART_DIR, file));
    if (source.helm.valuesObject) {
      // Named by its content: helm's renders are cached by their arguments.
      const text = stringify(source.helm.valuesObject);
      const file = join(scratch, `${createHash('sha256').update(text).digest('hex')}.yaml`);
      writeFileSync(file, text);
      files.push(file);
    }
    return renderChartAs(source.helm.releaseName, destination.namespace, files);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
