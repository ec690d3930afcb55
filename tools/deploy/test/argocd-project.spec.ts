import { type Application, applications, argoCdObjects } from '../src/kubernetes/argocd';
import { renderChart, valuesFiles } from '../src/kubernetes/helm';
import { kubeconform } from '../src/kubernetes/kubeconform';
import { isHook, type KubeObject, podTemplateOf } from '../src/kubernetes/manifests';

interface ProjectSpec {
  sourceRepos: string[];
  destinations: { server: string; namespace: string }[];
  clusterResourceWhitelist: { group: string; kind: string; name?: string }[];
  namespaceResourceWhitelist: { group: string; kind: string }[];
  orphanedResources: { warn: boolean; ignore: { group: string; kind: string; name: string }[] };
}

const projects = () => argoCdObjects().filter(({ object }) => object.kind === 'AppProject');
const project = () => projects()[0]!.object;
const spec = () => project().spec as unknown as ProjectSpec;
const apps = () => applications().map(({ application }) => application);
const groupOf = (object: KubeObject) =>
  object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '';
const sorted = <T>(items: T[]) =>
  [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/**
 * What Argo CD applies of the chart's render: every object, Helm's install and
 * upgrade hooks included (it runs them as PreSync and PostSync hooks), but not
 * Helm's test hooks, which it skips (Argo CD's user guide, "Helm Hooks").
 */
const applied = (objects: KubeObject[]) => objects.filter((object) => !isHook(object, 'test'));

/** The Secrets a workload's containers read variables from. */
const podSecretNames = (object: KubeObject) =>
  (podTemplateOf(object)?.template.spec.containers ?? []).flatMap((container) =>
    (container.env ?? []).flatMap((variable) => variable.valueFrom?.secretKeyRef?.name ?? []),
  );

describe('the Argo CD project (deploy/argocd/project.yaml)', () => {
  it('holds every Application of deploy/argocd, and is the only project there', () => {
    expect(projects().map(({ name }) => name)).toEqual(['project.yaml']);
    expect(project().metadata.name).toBe('meridian');
    expect(apps().length).toBeGreaterThan(0);
    expect(apps().map((application) => [application.metadata.name, application.spec.project])).toEqual(
      apps().map((application) => [application.metadata.name, 'meridian']),
    );
  });

  it("is an AppProject kubeconform accepts against Argo CD's CRD, in the Applications' namespace", () => {
    expect(project().apiVersion).toBe('argoproj.io/v1alpha1');
    expect(kubeconform([project()]).problems).toEqual([]);
    expect(new Set(apps().map((application) => application.metadata.namespace))).toEqual(
      new Set([project().metadata.namespace]),
    );
  });

  it("takes sources from exactly the Applications' repository", () => {
    expect(spec().sourceRepos).toEqual([
      ...new Set(apps().map((application) => application.spec.source.repoURL)),
    ]);
  });

  it("deploys to exactly the Applications' destinations, and creates nothing cluster-scoped but their namespaces, by name, which CreateNamespace=true needs", () => {
    const destinations = (list: Application[]) =>
      sorted(
        list.map(({ spec: { destination } }) => ({
          server: destination.server,
          namespace: destination.namespace,
        })),
      );
    expect(sorted(spec().destinations)).toEqual(destinations(apps()));
    const creating = apps().filter((application) =>
      application.spec.syncPolicy?.syncOptions?.includes('CreateNamespace=true'),
    );
    expect(sorted(spec().clusterResourceWhitelist)).toEqual(
      sorted(
        creating.map((application) => ({
          group: '',
          kind: 'Namespace',
          name: application.spec.destination.namespace,
        })),
      ),
    );
  });

  it("allows exactly the kinds Argo CD applies of the chart's render with every values file (hooks included, helm test's not), staging's load test included", () => {
    const renders = [
      ...valuesFiles().map((valuesFile) => renderChart(valuesFile)),
      renderChart('values-staging.yaml', ['loadtest.enabled=true']),
    ];
    const kinds = new Map(
      renders.flatMap(applied).map((object) => {
        const kind = { group: groupOf(object), kind: object.kind };
        return [JSON.stringify(kind), kind] as const;
      }),
    );
    expect(sorted(spec().namespaceResourceWhitelist)).toEqual(sorted([...kinds.values()]));
    // The one kind left out: helm test's Pod, which Argo CD never applies.
    expect(
      renders
        .flat()
        .filter((object) => object.kind === 'Pod')
        .every((pod) => isHook(pod, 'test')),
    ).toBe(true);
  });

  it('warns of objects in its namespaces no Application manages, but for the existing Secret each values file names', () => {
    const secrets = valuesFiles()
      .map((valuesFile) => renderChart(valuesFile))
      .flatMap((objects) =>
        applied(objects)
          .flatMap((object) => podSecretNames(object))
          .filter(
            (name) => !objects.some((other) => other.kind === 'Secret' && other.metadata.name === name),
          ),
      );
    expect(spec().orphanedResources.warn).toBe(true);
    expect(sorted(spec().orphanedResources.ignore)).toEqual(
      sorted([...new Set(secrets)].map((name) => ({ group: '', kind: 'Secret', name }))),
    );
  });
});
