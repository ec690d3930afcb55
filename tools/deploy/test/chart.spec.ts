import { join } from 'node:path';
import { checkChartVariables } from '../src/config-coverage';
import { lintChart, renderChart, valuesFiles } from '../src/kubernetes/helm';
import {
  componentObjects as byComponent,
  type KubeObject,
  podTemplateOf,
  selects,
} from '../src/kubernetes/manifests';
import { KubernetesSchemas } from '../src/kubernetes/openapi';
import { toolchain } from '../src/toolchain';

type Peer = {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
};

/** Who may connect to a component's pods, and on which ports: `api -> [http]`, `namespace monitoring -> [management]`. */
function ingressPorts(objects: KubeObject[], component: string): Record<string, string[]> {
  const [policy] = byComponent(objects, 'NetworkPolicy', component);
  const rules = (policy?.spec?.ingress ?? []) as { from?: Peer[]; ports?: { port: string | number }[] }[];
  const reach: Record<string, string[]> = {};
  for (const rule of rules) {
    for (const peer of rule.from ?? []) {
      const name = peer.namespaceSelector
        ? `namespace ${peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? '(any)'}`
        : (peer.podSelector?.matchLabels?.['app.kubernetes.io/component'] ?? '(any pod)');
      reach[name] = [...(reach[name] ?? []), ...(rule.ports ?? []).map((port) => String(port.port))].sort();
    }
  }
  return reach;
}

// Loaded once for the file: the OpenAPI documents are 13 MB of JSON.
let loaded: KubernetesSchemas | undefined;
const schemas = () =>
  (loaded ??= KubernetesSchemas.load(toolchain.kubernetesOpenApiDir(), [
    join(toolchain.kedaCrdDir(), 'keda.sh_scaledobjects.yaml'),
  ]));

describe('the Helm chart', () => {
  it('has defaults and values for local, staging and production', () => {
    expect(valuesFiles()).toEqual([
      'values.yaml',
      'values-local.yaml',
      'values-production.yaml',
      'values-staging.yaml',
    ]);
  });

  describe.each(valuesFiles())('with %s', (valuesFile) => {
    it('passes helm lint --strict', () => {
      expect(lintChart(valuesFile)).toContain('0 chart(s) failed');
    });

    it(`renders only objects valid against Kubernetes ${toolchain.kubernetesVersion()}'s OpenAPI schemas, unknown fields refused`, () => {
      const validator = schemas();
      const objects = renderChart(valuesFile);
      expect(objects.length).toBeGreaterThan(20);
      expect(objects.flatMap((object) => validator.validate(object))).toEqual([]);
    });

    it('passes each app only variables its config schema knows, and every required one', () => {
      expect(checkChartVariables(renderChart(valuesFile))).toEqual([]);
    });

    it('deploys the architecture: api Deployment with HPA and PDB, ledger StatefulSet, settlement Deployment', () => {
      const objects = renderChart(valuesFile);
      const [api] = byComponent(objects, 'Deployment', 'api');
      const [ledger] = byComponent(objects, 'StatefulSet', 'ledger');
      const [settlement] = byComponent(objects, 'Deployment', 'settlement');
      expect([api, ledger, settlement].every(Boolean)).toBe(true);
      const [hpa] = byComponent(objects, 'HorizontalPodAutoscaler', 'api');
      expect(hpa?.spec?.minReplicas).toBeGreaterThanOrEqual(2);
      expect(byComponent(objects, 'PodDisruptionBudget', 'api')).toHaveLength(1);
      const headless = objects.find(
        (object) => object.kind === 'Service' && object.metadata.name === ledger!.spec!.serviceName,
      );
      expect(headless?.spec?.clusterIP).toBe('None');
      expect(byComponent(objects, 'PodDisruptionBudget', 'ledger')[0]?.spec?.maxUnavailable).toBe(1);
      expect(ledger!.spec!.updateStrategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { partition: 0, maxUnavailable: 1 },
      });
    });

    it('allows exactly the network paths of the architecture', () => {
      const objects = renderChart(valuesFile);
      const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
      const labelsOf = (component: string) =>
        podTemplateOf(
          objects.find(
            (object) =>
              podTemplateOf(object)?.template.metadata?.labels?.['app.kubernetes.io/component'] === component,
          )!,
        )!.template.metadata!.labels!;
      // from -> to is allowed when a policy of `from` lets it out and a policy of `to` lets it in.
      const allowed = (from: string, to: string) => {
        const fromLabels = labelsOf(from);
        const toLabels = labelsOf(to);
        type Peer = { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown };
        const peerMatches = (peers: Peer[] | undefined, labels: Record<string, string>) =>
          (peers ?? []).some(
            (peer) => !peer.namespaceSelector && selects(peer.podSelector?.matchLabels, labels),
          );
        const out = policies.some(
          (policy) =>
            selects(
              (policy.spec!.podSelector as { matchLabels?: Record<string, string> }).matchLabels,
              fromLabels,
            ) &&
            ((policy.spec!.egress ?? []) as { to?: Peer[] }[]).some((rule) => peerMatches(rule.to, toLabels)),
        );
        const into = policies.some(
          (policy) =>
            selects(
              (policy.spec!.podSelector as { matchLabels?: Record<string, string> }).matchLabels,
              toLabels,
            ) &&
            ((policy.spec!.ingress ?? []) as { from?: Peer[] }[]).some((rule) =>
              peerMatches(rule.from, fromLabels),
            ),
        );
        return out && into;
      };
      const apps = ['api', 'ledger', 'settlement'];
      const paths = apps.flatMap((from) =>
        apps.filter((to) => to !== from && allowed(from, to)).map((to) => `${from}->${to}`),
      );
      expect(paths.sort()).toEqual(['api->ledger', 'api->settlement', 'settlement->ledger']);
    });
  });

  it('serves probes on a management port of its own in every app, which its Service names', () => {
    const objects = renderChart('values-production.yaml');
    for (const [kind, app] of [
      ['Deployment', 'api'],
      ['StatefulSet', 'ledger'],
      ['Deployment', 'settlement'],
    ] as const) {
      const container = podTemplateOf(byComponent(objects, kind, app)[0]!)!.template.spec.containers[0]!;
      expect(container.ports!.map((port) => port.name)).toEqual(['http', 'management']);
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        expect(probe?.httpGet?.port).toBe('management');
      }
      const [service] = byComponent(objects, 'Service', app);
      expect(
        (service!.spec!.ports as { name: string; targetPort: string }[]).map((port) => port.targetPort),
      ).toEqual(['http', 'management']);
    }
    expect(() => renderChart('values-production.yaml', ['ledger.managementPort=3001'])).toThrow(
      'ledger.managementPort must differ from ledger.port',
    );
  });

  it("lets the ingress reach only the api's http port, and scrapers, helm test and networkPolicy.adminFrom only management ports", () => {
    const objects = renderChart('values-production.yaml', [
      'networkPolicy.adminFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=operators',
    ]);
    const scrapersAndTest = { 'namespace monitoring': ['management'], test: ['management'] };
    expect(ingressPorts(objects, 'api')).toEqual({
      'namespace ingress-nginx': ['http'],
      'namespace operators': ['management'],
      ...scrapersAndTest,
    });
    expect(ingressPorts(objects, 'ledger')).toEqual({
      api: ['http'],
      settlement: ['http'],
      ...scrapersAndTest,
    });
    expect(ingressPorts(objects, 'settlement')).toEqual({ api: ['http'], ...scrapersAndTest });
    // Without adminFrom, nothing but scrapers and helm test reaches the api's management port.
    expect(ingressPorts(renderChart('values-production.yaml'), 'api')).toEqual({
      'namespace ingress-nginx': ['http'],
      ...scrapersAndTest,
    });
  });

  it('runs migrations as pre-install/pre-upgrade hooks in staging and production, one Job per app', () => {
    for (const valuesFile of ['values-staging.yaml', 'values-production.yaml']) {
      const jobs = renderChart(valuesFile).filter((object) => object.kind === 'Job');
      expect(jobs.map((job) => podTemplateOf(job)!.template.spec.containers[0]!.image)).toEqual([
        expect.stringContaining('meridian-ledger'),
        expect.stringContaining('meridian-api'),
        expect.stringContaining('meridian-settlement'),
      ]);
      for (const job of jobs) {
        expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
        expect(podTemplateOf(job)!.template.spec.containers[0]!.args).toEqual(['dist/migrate.js']);
      }
    }
  });

  it('scales settlement on queue depth through KEDA in production, with Prometheus as the source', () => {
    const objects = renderChart('values-production.yaml');
    const [scaledObject] = byComponent(objects, 'ScaledObject', 'settlement');
    const trigger = (scaledObject!.spec!.triggers as { type: string; metadata: { query: string } }[])[0]!;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.query).toContain('settlement_queue_jobs');
    expect(byComponent(objects, 'Deployment', 'settlement')[0]!.spec!.replicas).toBeUndefined();
  });

  it('finds a variable the schema does not know, and a required one not passed', () => {
    const objects = renderChart('values-production.yaml', ['ledger.config.LEDGER_BATCH_SIZE=10']);
    const api = byComponent(objects, 'Deployment', 'api')[0]!;
    const container = podTemplateOf(api)!.template.spec.containers[0]!;
    container.env = container.env!.filter((variable) => variable.name !== 'ADMIN_TOKEN');
    expect(checkChartVariables(objects)).toEqual([
      {
        where: 'Deployment/meridian-api container api',
        message: 'ADMIN_TOKEN is required by the api config schema but not passed',
      },
      {
        where: 'StatefulSet/meridian-ledger container ledger',
        message: 'LEDGER_BATCH_SIZE is not a variable of the ledger config schema',
      },
    ]);
  });

  it('rolls only the pods whose ConfigMap changed, and gives each the grace its shutdown needs', () => {
    const checksums = (set: string[]) =>
      Object.fromEntries(
        renderChart('values-production.yaml', set)
          .filter((object) => ['Deployment', 'StatefulSet'].includes(object.kind))
          .map((object) => [object.metadata.name, podTemplateOf(object)!.template.metadata!.annotations!]),
      );
    const before = checksums([]);
    const after = checksums(['ledger.config.LEDGER_BATCH_MAX_ITEMS=500']);
    const changed = Object.keys(before).filter(
      (name) => after[name]!['checksum/config'] !== before[name]!['checksum/config'],
    );
    expect(changed).toEqual(['meridian-ledger']);
    expect(Object.keys(before).sort()).toEqual(['meridian-api', 'meridian-ledger', 'meridian-settlement']);
    const graceOf = (set: string[]) =>
      podTemplateOf(byComponent(renderChart('values-production.yaml', set), 'Deployment', 'settlement')[0]!)!
        .template.spec.terminationGracePeriodSeconds;
    expect(graceOf([])).toBe(60);
    expect(graceOf(['settlement.shutdown.timeoutMs=90000'])).toBe(95);
  });

  it('pins images by digest when one is given', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objects = renderChart('values-production.yaml', [`image.digests.ledger=${digest}`]);
    const [ledger] = byComponent(objects, 'StatefulSet', 'ledger');
    expect(podTemplateOf(ledger!)!.template.spec.containers[0]!.image).toBe(
      `ghcr.io/meridian-platform/meridian-ledger@${digest}`,
    );
  });

  it.each([
    ['an unknown key', 'ledger.replicaz=3', 'replicaz'],
    ['the latest tag', 'image.tag=latest', 'image.tag'],
    ['a single api replica', 'api.autoscaling.minReplicas=1', 'minReplicas'],
    ['a malformed digest', 'image.digests.api=latest', 'digests.api'],
  ])('refuses %s through values.schema.json', (_, value, mentioned) => {
    expect(() => renderChart('values-production.yaml', [value])).toThrow(mentioned);
  });

  it('names the chart Secret only where it is created, and needs its values then', () => {
    expect(() => renderChart('values-production.yaml', ['secrets.existingSecret='])).toThrow(
      'secrets.values.apiDatabaseUrl is required',
    );
  });
});
