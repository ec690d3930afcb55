/**
 * A StatefulSet's pods know who they are and callers know each of them: the
 * ledger divides tenants' partitions among its pods by ordinal
 * (docs/operations/ledger-partitions.md), and the api and settlement send a
 * tenant's calls to the pod that owns its partition. The chart renders this
 * for every StatefulSet of the registry and its callers, from the registry alone.
 */
import { renderChart, valuesFiles } from '../src/kubernetes/helm';
import {
  componentObjects as byComponent,
  type KubeObject,
  podTemplateOf,
  selects,
} from '../src/kubernetes/manifests';
import { readServiceRegistry } from '../src/service-registry';
import { allowed } from './support/network';

const registry = readServiceRegistry();
const statefulSets = registry.filter((service) => service.kind === 'StatefulSet');
const variable = (name: string) => name.toUpperCase().replaceAll('-', '_');
const callersOf = (name: string) => registry.filter((service) => service.calls.includes(name));

const configOf = (objects: KubeObject[], component: string) =>
  byComponent(objects, 'ConfigMap', component)[0]!.data as Record<string, string>;
const envOf = (objects: KubeObject[], kind: string, component: string) =>
  podTemplateOf(byComponent(objects, kind, component)[0]!)!.template.spec.containers[0]!.env ?? [];

/** REPLICA_ORDINAL's source and REPLICA_COUNT's value in a StatefulSet's pod template. */
const identityOf = (objects: KubeObject[], component: string) => {
  const env = envOf(objects, 'StatefulSet', component);
  return {
    ordinal: env.find((entry) => entry.name === 'REPLICA_ORDINAL')?.valueFrom,
    count: env.find((entry) => entry.name === 'REPLICA_COUNT')?.value,
  };
};

const POD_INDEX = { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } };

describe("a StatefulSet's replicas, by ordinal", () => {
  it('has a StatefulSet in the registry that others call, which divides its work into partitions', () => {
    expect(statefulSets.map((service) => service.name)).toEqual(['ledger']);
    expect(callersOf('ledger').map((service) => service.name)).toEqual(['api', 'settlement']);
    expect(statefulSets[0]!.partitions).toBe(64);
  });

  describe.each(valuesFiles())('with %s', (valuesFile) => {
    const objects = renderChart(valuesFile);

    it.each(statefulSets.map((service) => service.name))(
      '%s: each pod reads REPLICA_ORDINAL from its pod-index label and REPLICA_COUNT from the replicas, in the pod template (not the ConfigMap)',
      (name) => {
        const [statefulSet] = byComponent(objects, 'StatefulSet', name);
        const replicas = statefulSet!.spec!.replicas as number;
        expect(replicas).toBeGreaterThanOrEqual(2);
        expect(identityOf(objects, name)).toEqual({ ordinal: POD_INDEX, count: String(replicas) });
        // In the template, so a pod kept on the old revision (partition) keeps the count it was rolled with.
        expect(configOf(objects, name)).not.toHaveProperty('REPLICA_COUNT');
        expect(configOf(objects, name)).not.toHaveProperty('REPLICA_ORDINAL');
      },
    );

    it.each(statefulSets.map((service) => service.name))(
      "%s: each caller gets every pod's URL through the headless Service, in ordinal order, beside the ClusterIP Service's",
      (name) => {
        const [statefulSet] = byComponent(objects, 'StatefulSet', name);
        const replicas = statefulSet!.spec!.replicas as number;
        const headless = statefulSet!.spec!.serviceName as string;
        const port = registry.find((service) => service.name === name)!.port;
        for (const caller of callersOf(name)) {
          const config = configOf(objects, caller.name);
          expect(config[`${variable(name)}_URL`]).toBe(`http://meridian-${name}:${port}`);
          const urls = config[`${variable(name)}_REPLICA_URLS`]!.split(',');
          expect(urls).toEqual(
            Array.from(
              { length: replicas },
              (_, ordinal) => `http://${statefulSet!.metadata.name}-${ordinal}.${headless}:${port}`,
            ),
          );
        }
      },
    );

    it.each(statefulSets.map((service) => service.name))(
      '%s: its partitions are one value, given to it and to each of its callers',
      (name) => {
        const key = `${variable(name)}_PARTITIONS`;
        const values = [name, ...callersOf(name).map((caller) => caller.name)].map(
          (component) => [component, configOf(objects, component)[key]] as const,
        );
        const partitions = String(registry.find((service) => service.name === name)!.partitions);
        expect(values).toEqual(values.map(([component]) => [component, partitions]));
      },
    );

    it('gives no replica URLs of a Deployment, and no identity to its pods', () => {
      for (const service of registry.filter((entry) => entry.kind === 'Deployment')) {
        expect(envOf(objects, 'Deployment', service.name).map((entry) => entry.name)).not.toContain(
          'REPLICA_ORDINAL',
        );
        for (const caller of callersOf(service.name))
          expect(configOf(objects, caller.name)).not.toHaveProperty(`${variable(service.name)}_REPLICA_URLS`);
      }
    });
  });

  it('changes REPLICA_COUNT and the URL list with services.ledger.replicas, and the partitions everywhere with services.ledger.partitions', () => {
    const before = renderChart('values-production.yaml');
    const after = renderChart('values-production.yaml', [
      'services.ledger.replicas=2',
      'services.ledger.partitions=128',
    ]);
    expect(identityOf(after, 'ledger').count).toBe('2');
    expect(byComponent(after, 'StatefulSet', 'ledger')[0]!.spec!.replicas).toBe(2);
    for (const caller of ['api', 'settlement']) {
      expect(configOf(after, caller).LEDGER_REPLICA_URLS).toBe(
        'http://meridian-ledger-0.meridian-ledger-headless:3001,http://meridian-ledger-1.meridian-ledger-headless:3001',
      );
      expect(configOf(after, caller).LEDGER_PARTITIONS).toBe('128');
    }
    expect(configOf(after, 'ledger').LEDGER_PARTITIONS).toBe('128');
    // A new pod template: the StatefulSet rolls, every pod with the new count.
    const template = (objects: KubeObject[]) =>
      JSON.stringify(podTemplateOf(byComponent(objects, 'StatefulSet', 'ledger')[0]!)!.template);
    expect(template(renderChart('values-production.yaml', ['services.ledger.replicas=2']))).not.toBe(
      template(before),
    );
    expect(identityOf(before, 'ledger').count).toBe('3');
  });

  it("does not publish a not-ready pod's address: its DNS name goes as it turns unready, and callers fall back to the ClusterIP Service", () => {
    const objects = renderChart('values-production.yaml');
    for (const { name } of statefulSets) {
      const [statefulSet] = byComponent(objects, 'StatefulSet', name);
      const headless = objects.find(
        (object) => object.kind === 'Service' && object.metadata.name === statefulSet!.spec!.serviceName,
      )!;
      expect(headless.spec!.clusterIP).toBe('None');
      expect(headless.spec!.publishNotReadyAddresses ?? false).toBe(false);
      expect(
        selects(
          headless.spec!.selector as Record<string, string>,
          podTemplateOf(statefulSet!)!.template.metadata!.labels,
        ),
      ).toBe(true);
    }
  });

  it('lets each caller reach the pods directly on the port of the replica URLs (pod to pod, as through the ClusterIP Service)', () => {
    const objects = renderChart('values-production.yaml');
    for (const { name } of statefulSets) {
      const container = podTemplateOf(byComponent(objects, 'StatefulSet', name)[0]!)!.template.spec
        .containers[0]!;
      const http = container.ports!.find((port) => port.name === 'http')!.containerPort;
      const [policy] = byComponent(objects, 'NetworkPolicy', name);
      const ingress = policy!.spec!.ingress as {
        from: { podSelector?: { matchLabels: Record<string, string> } }[];
        ports: { port: string }[];
      }[];
      for (const caller of callersOf(name)) {
        const urls = configOf(objects, caller.name)[`${variable(name)}_REPLICA_URLS`]!.split(',');
        expect(urls.map((url) => Number(new URL(url).port))).toEqual(urls.map(() => http));
        expect(allowed(objects, caller.name, name)).toBe(true);
        // The rule that admits the caller names the port the URLs use (the container's named port "http").
        const admitting = ingress.filter((rule) =>
          rule.from.some(
            (peer) => peer.podSelector?.matchLabels['app.kubernetes.io/component'] === caller.name,
          ),
        );
        expect(admitting.flatMap((rule) => rule.ports.map((port) => port.port))).toEqual(['http']);
        const [callerPolicy] = byComponent(objects, 'NetworkPolicy', caller.name);
        const egress = callerPolicy!.spec!.egress as {
          to?: { podSelector?: { matchLabels: Record<string, string> } }[];
          ports: { port: string }[];
        }[];
        expect(
          egress
            .filter((rule) =>
              rule.to?.some((peer) => peer.podSelector?.matchLabels['app.kubernetes.io/component'] === name),
            )
            .flatMap((rule) => rule.ports.map((port) => port.port)),
        ).toEqual(['http']);
      }
    }
  });

  it.each([
    [
      'an autoscaled StatefulSet, whose pods would not know their count',
      [
        'services.ledger.autoscaling.minReplicas=2',
        'services.ledger.autoscaling.maxReplicas=4',
        'services.ledger.autoscaling.targetCpuUtilization=70',
      ],
      "services.ledger: a StatefulSet's pods divide its work by REPLICA_COUNT",
    ],
    [
      'partitions on a Deployment',
      ['services.api.partitions=8'],
      'services.api.partitions: only a StatefulSet',
    ],
    [
      'the partitions set as a config variable too, where a caller would miss it',
      ['services.api.config.LEDGER_PARTITIONS=32'],
      'services.api.config.LEDGER_PARTITIONS: set services.ledger.partitions',
    ],
    ['partitions out of bounds', ['services.ledger.partitions=0'], 'partitions'],
  ])('refuses %s', (_, set, message) => {
    expect(() => renderChart('values-production.yaml', set)).toThrow(message);
  });

  it('gives the same to a StatefulSet added to the registry, and to its callers, with nothing else edited', () => {
    const search = {
      kind: 'StatefulSet',
      port: 3005,
      managementPort: 9005,
      calls: [],
      replicas: 2,
      partitions: 8,
    };
    const objects = renderChart(
      'values-production.yaml',
      [],
      [`services.search=${JSON.stringify(search)}`, 'services.settlement.calls=["ledger","search"]'],
    );
    expect(identityOf(objects, 'search')).toEqual({ ordinal: POD_INDEX, count: '2' });
    expect(configOf(objects, 'search').SEARCH_PARTITIONS).toBe('8');
    const settlement = configOf(objects, 'settlement');
    expect(settlement.SEARCH_REPLICA_URLS).toBe(
      'http://meridian-search-0.meridian-search-headless:3005,http://meridian-search-1.meridian-search-headless:3005',
    );
    expect(settlement.SEARCH_PARTITIONS).toBe('8');
    expect(settlement.LEDGER_PARTITIONS).toBe('64');
    expect(configOf(objects, 'api')).not.toHaveProperty('SEARCH_REPLICA_URLS');
  });
});
