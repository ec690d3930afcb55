import { checkChartVariables } from '../src/config-coverage';
import { lintChart, renderChart, valuesFiles } from '../src/kubernetes/helm';
import { formatKubeScoreFinding, kubeScore } from '../src/kubernetes/kube-score';
import { kubeconform } from '../src/kubernetes/kubeconform';
import { componentObjects as byComponent, type KubeObject, podTemplateOf } from '../src/kubernetes/manifests';
import { formatFinding, runPolicies } from '../src/policies/checks';
import { type RegisteredService, readServiceRegistry } from '../src/service-registry';
import { toolchain } from '../src/toolchain';
import { ingressPorts, pathsBetween, type PolicyPeer } from './support/network';
import { SERVICE_HEAP_OPTIONS } from '@meridian/testing';

const registry = readServiceRegistry();

/** The paths the registry declares: each service to each service it calls. */
const declaredPaths = (services = registry) =>
  services.flatMap((service) => service.calls.map((callee) => `${service.name}->${callee}`)).sort();

/** The Secret's keys a registry implies: databases, Redis, one token per call, the admin token. */
const impliedSecretKeys = (services: RegisteredService[]) =>
  [
    ...services.filter((service) => service.database).map((service) => `${service.name}-database-url`),
    ...(services.some((service) => service.redis === 'queues') ? ['redis-url'] : []),
    ...services.filter((service) => service.redis === 'cache').map((service) => `${service.name}-redis-url`),
    ...services.flatMap((service) => service.calls.map((callee) => `${service.name}-${callee}-token`)),
    ...(services.some((service) => service.adminToken) ? ['admin-token'] : []),
  ].sort();

/** The variables a container reads from the Secret, as `NAME <- key`. */
const secretVariables = (object: KubeObject) =>
  (podTemplateOf(object)!.template.spec.containers[0]!.env ?? [])
    .filter((variable) => variable.valueFrom?.secretKeyRef)
    .map((variable) => `${variable.name} <- ${variable.valueFrom!.secretKeyRef!.key}`);

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

    it(`renders only objects kubeconform -strict accepts, against Kubernetes ${toolchain.kubernetesVersion()}'s schemas and its custom resources' CRDs`, () => {
      const objects = renderChart(valuesFile);
      expect(objects.length).toBeGreaterThan(20);
      expect(kubeconform(objects)).toEqual({
        problems: [],
        summary: { valid: objects.length, invalid: 0, errors: 0, skipped: 0 },
      });
    });

    it('passes each app only variables its config schema knows, and every required one', () => {
      expect(checkChartVariables(renderChart(valuesFile))).toEqual([]);
    });

    it.each(registry.map((service) => [service.name, service] as const))(
      'renders %s from its registry entry: workload of its kind, Service, PDB, ServiceAccount, ConfigMap, NetworkPolicy',
      (name, service) => {
        const objects = renderChart(valuesFile);
        const [workload] = byComponent(objects, service.kind, name);
        expect(workload?.metadata.name).toBe(`meridian-${name}`);
        for (const kind of ['Service', 'PodDisruptionBudget', 'ServiceAccount', 'ConfigMap', 'NetworkPolicy'])
          expect(byComponent(objects, kind, name).map((object) => object.metadata.name)).toContain(
            `meridian-${name}`,
          );
        if (service.autoscaling) {
          const [hpa] = byComponent(objects, 'HorizontalPodAutoscaler', name);
          expect(hpa?.spec?.minReplicas).toBeGreaterThanOrEqual(2);
          expect(workload!.spec!.replicas).toBeUndefined();
        }
        if (service.kind === 'StatefulSet') {
          const headless = objects.find(
            (object) => object.kind === 'Service' && object.metadata.name === workload!.spec!.serviceName,
          );
          expect(headless?.spec?.clusterIP).toBe('None');
          expect(byComponent(objects, 'PodDisruptionBudget', name)[0]?.spec?.maxUnavailable).toBe(1);
          expect(workload!.spec!.podManagementPolicy).toBe('OrderedReady');
          expect(workload!.spec!.updateStrategy).toEqual({
            type: 'RollingUpdate',
            rollingUpdate: { partition: 0, maxUnavailable: 1 },
          });
        }
      },
    );

    it('allows exactly the network paths the registry declares between services', () => {
      const objects = renderChart(valuesFile);
      expect(
        pathsBetween(
          objects,
          registry.map((service) => service.name),
        ),
      ).toEqual(declaredPaths());
    });
  });

  it('serves probes on a management port of its own in every service, which its Service names', () => {
    const objects = renderChart('values-production.yaml');
    for (const { kind, name: app } of registry) {
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
    const [{ name, port }] = registry as [RegisteredService];
    expect(() => renderChart('values-production.yaml', [`services.${name}.managementPort=${port}`])).toThrow(
      `services.${name}.managementPort must differ from services.${name}.port`,
    );
  });

  it('lets callers and, to a public service, the ingress reach only http ports; scrapers, helm test and adminFrom (/admin) only management ports', () => {
    const operators =
      'networkPolicy.adminFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=operators';
    const objects = renderChart('values-production.yaml', [operators]);
    const withoutAdminFrom = renderChart('values-production.yaml');
    const scrapersAndTest = { 'namespace monitoring': ['management'], test: ['management'] };
    for (const service of registry) {
      const callers = registry.filter((caller) => caller.calls.includes(service.name));
      const expected = {
        ...Object.fromEntries(callers.map((caller) => [caller.name, ['http']])),
        ...(service.public ? { 'namespace ingress-nginx': ['http'] } : {}),
        ...scrapersAndTest,
      };
      expect(ingressPorts(objects, service.name)).toEqual({
        ...expected,
        ...(service.adminToken ? { 'namespace operators': ['management'] } : {}),
      });
      // Without adminFrom, nothing but scrapers and helm test reaches a management port.
      expect(ingressPorts(withoutAdminFrom, service.name)).toEqual(expected);
    }
  });

  it('runs migrations as pre-install/pre-upgrade hooks in staging and production, one Job per service with a database', () => {
    for (const valuesFile of ['values-staging.yaml', 'values-production.yaml']) {
      const jobs = renderChart(valuesFile).filter((object) => object.kind === 'Job');
      expect(jobs.map((job) => podTemplateOf(job)!.template.spec.containers[0]!.image)).toEqual(
        registry
          .filter((service) => service.database)
          .map((service) => `ghcr.io/meridian-platform/meridian-${service.name}:0.1.0`),
      );
      for (const job of jobs) {
        expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
        expect(podTemplateOf(job)!.template.spec.containers[0]!.args).toEqual(['dist/migrate.js']);
      }
    }
  });

  it('scales queue workers on queue depth through KEDA in production, with Prometheus as the source', () => {
    const objects = renderChart('values-production.yaml');
    const scaledObjects = objects.filter((object) => object.kind === 'ScaledObject');
    expect(scaledObjects.length).toBeGreaterThan(0);
    for (const scaledObject of scaledObjects) {
      const trigger = (scaledObject.spec!.triggers as { type: string; metadata: { query: string } }[])[0]!;
      expect(trigger.type).toBe('prometheus');
      expect(trigger.metadata.query).toMatch(
        /^sum\([a-z_]+\{namespace="meridian",queue="[^"]+",state=~"waiting\|prioritized\|delayed"\}\)$/,
      );
      const target = scaledObject.spec!.scaleTargetRef as { kind: string; name: string };
      const workload = objects.find(
        (object) => object.kind === target.kind && object.metadata.name === target.name,
      );
      expect(workload?.spec?.replicas).toBeUndefined();
    }
  });

  it('finds a variable the schema does not know, and a required one not passed', () => {
    const objects = renderChart('values-production.yaml', ['services.ledger.config.LEDGER_BATCH_SIZE=10']);
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
    const after = checksums(['services.ledger.config.LEDGER_BATCH_MAX_ITEMS=500']);
    const changed = Object.keys(before).filter(
      (name) => after[name]!['checksum/config'] !== before[name]!['checksum/config'],
    );
    expect(changed).toEqual(['meridian-ledger']);
    expect(Object.keys(before).sort()).toEqual(registry.map((service) => `meridian-${service.name}`));
    const graceOf = (set: string[]) =>
      podTemplateOf(byComponent(renderChart('values-production.yaml', set), 'Deployment', 'settlement')[0]!)!
        .template.spec.terminationGracePeriodSeconds;
    expect(graceOf([])).toBe(60);
    expect(graceOf(['services.settlement.shutdown.timeoutMs=90000'])).toBe(95);
  });

  it("refuses to render a shutdown delay shorter than the endpoints' removal time, naming the service and both values", () => {
    expect(() => renderChart(undefined, ['serviceDefaults.shutdown.delayMs=2000'])).toThrow(
      /\n.*\b(api|ledger): shutdown.delayMs \(2000\) must be at least shutdown.endpointRemovalMs \(3000\)/,
    );
    expect(() =>
      renderChart(undefined, [
        'serviceDefaults.shutdown.delayMs=2000',
        'serviceDefaults.shutdown.endpointRemovalMs=2000',
      ]),
    ).not.toThrow();
  });

  it.each(valuesFiles())(
    "caps every app's V8 heap in %s (NODE_OPTIONS) within its memory limit, less the native reserve",
    (valuesFile) => {
      const objects = renderChart(valuesFile);
      for (const service of registry) {
        const [workload] = byComponent(objects, service.kind, service.name);
        const [configMap] = byComponent(objects, 'ConfigMap', service.name);
        const options = String((configMap!.data as Record<string, string>).NODE_OPTIONS);
        const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(options)?.[1]);
        const semiSpace = Number(/--max-semi-space-size=(\d+)/.exec(options)?.[1]);
        const limit = String(
          podTemplateOf(workload!)!.template.spec.containers[0]!.resources!.limits!.memory,
        );
        const limitMb = limit.endsWith('Gi')
          ? Number(limit.slice(0, -2)) * 1024
          : Number(limit.replace(/Mi$/, ''));
        expect([service.name, oldSpace > 0, semiSpace > 0]).toEqual([service.name, true, true]);
        expect([service.name, oldSpace + 3 * semiSpace + 160 <= limitMb]).toEqual([service.name, true]);
      }
    },
  );

  it('gives the old generation what the memory limit leaves, and refuses a heap that does not fit, naming the service and the sum', () => {
    const nodeOptions = (set: string[]) =>
      (byComponent(renderChart(undefined, set), 'ConfigMap', 'api')[0]!.data as Record<string, string>)
        .NODE_OPTIONS;
    // 512 MiB - 3 x 16 MiB - 160 MiB
    expect(nodeOptions([])).toBe('--max-old-space-size=304 --max-semi-space-size=16');
    // Tests, benchmarks and the local stack run every service with the young generation the chart gives it.
    expect(nodeOptions([])).toContain(SERVICE_HEAP_OPTIONS);
    expect(nodeOptions(['services.api.heap.maxOldSpaceMb=200'])).toBe(
      '--max-old-space-size=200 --max-semi-space-size=16',
    );
    expect(() => renderChart(undefined, ['services.api.heap.maxOldSpaceMb=400'])).toThrow(
      /api: heap.maxOldSpaceMb \(400\) \+ 3 x heap.maxSemiSpaceMb \(16\) \+ heap.nativeReserveMb \(160\) = 608 MiB exceeds resources.limits.memory \(512 MiB\)/,
    );
    expect(() =>
      renderChart(undefined, [
        'serviceDefaults.resources.limits.memory=1Gi',
        'services.api.heap.maxOldSpaceMb=400',
      ]),
    ).not.toThrow();
  });

  it.each(valuesFiles())(
    "times every app's shutdown in %s to fit: delay >= endpoint removal, drain >= the longest call deadline + 1 s, grace = timeout + 5 s",
    (valuesFile) => {
      const objects = renderChart(valuesFile);
      for (const service of registry) {
        const [workload] = byComponent(objects, service.kind, service.name);
        const [configMap] = byComponent(objects, 'ConfigMap', service.name);
        const config = configMap!.data as Record<string, string>;
        const delayMs = Number(config.SHUTDOWN_DELAY_MS);
        const timeoutMs = Number(config.SHUTDOWN_TIMEOUT_MS);
        // The default endpoint removal time (values.yaml); no values file lowers it.
        expect(delayMs).toBeGreaterThanOrEqual(3_000);
        const deadlines = Object.entries(config)
          .filter(([name]) => name.endsWith('_DEADLINE_MS'))
          .map(([, value]) => Number(value));
        // 5 s: the default <CALLEE>_DEADLINE_MS when the values set none.
        expect(timeoutMs - delayMs).toBeGreaterThanOrEqual(Math.max(5_000, ...deadlines) + 1_000);
        expect(podTemplateOf(workload!)!.template.spec.terminationGracePeriodSeconds).toBe(
          timeoutMs / 1000 + 5,
        );
      }
    },
  );

  it('pins images by digest when one is given', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objects = renderChart('values-production.yaml', [`services.ledger.imageDigest=${digest}`]);
    const [ledger] = byComponent(objects, 'StatefulSet', 'ledger');
    expect(podTemplateOf(ledger!)!.template.spec.containers[0]!.image).toBe(
      `ghcr.io/meridian-platform/meridian-ledger@${digest}`,
    );
  });

  it.each([
    ['an unknown key in a service', 'services.ledger.replicaz=3', 'replicaz'],
    ['a per-app key outside the registry', 'ledger.replicas=3', "additional properties 'ledger'"],
    ['the latest tag', 'image.tag=latest', 'image.tag'],
    ['an autoscaler of one replica', 'services.api.autoscaling.minReplicas=1', 'minReplicas'],
    ['a malformed digest', 'services.api.imageDigest=latest', 'imageDigest'],
    ['an unknown kind', 'services.api.kind=DaemonSet', 'kind'],
  ])('refuses %s through values.schema.json', (_, value, mentioned) => {
    expect(() => renderChart('values-production.yaml', [value])).toThrow(mentioned);
  });

  it('names the chart Secret only where it is created, and needs its values then', () => {
    expect(() => renderChart('values-production.yaml', ['secrets.existingSecret='])).toThrow(
      `secrets.values.${registry.find((service) => service.database)!.name}-database-url is required`,
    );
    expect(() => renderChart('values-local.yaml', ['secrets.values.api-databse-url=x'])).toThrow(
      'secrets.values.api-databse-url is no key of the Secret',
    );
  });

  it('creates a Secret with exactly the keys the registry implies where it has no existing one', () => {
    const [secret] = renderChart('values-local.yaml').filter((object) => object.kind === 'Secret');
    expect(Object.keys(secret!.stringData!).sort()).toEqual(impliedSecretKeys(registry));
  });

  it('refuses a call to a service outside the registry', () => {
    expect(() =>
      renderChart('values-production.yaml', [], [`services.${registry[0]!.name}.calls=["billing"]`]),
    ).toThrow(`services.${registry[0]!.name}.calls names billing, which is not a service of the registry`);
  });
});

describe('a service added to the registry', () => {
  const notifications = {
    kind: 'Deployment',
    port: 3003,
    managementPort: 9003,
    database: true,
    redis: 'none',
    calls: [] as string[],
  };
  const withNotifications = (
    entry: object = notifications,
    valuesFile = 'values-production.yaml',
    set: string[] = [],
  ) => renderChart(valuesFile, set, [`services.notifications=${JSON.stringify(entry)}`]);
  const components = [...registry.map((service) => service.name), 'notifications'];

  it('gets every object of its kind from its entry alone, which kubeconform accepts, kube-score grades OK and every policy check passes', () => {
    const objects = withNotifications();
    for (const kind of [
      'Deployment',
      'Service',
      'PodDisruptionBudget',
      'ServiceAccount',
      'ConfigMap',
      'NetworkPolicy',
    ])
      expect(byComponent(objects, kind, 'notifications').map((object) => object.metadata.name)).toEqual([
        'meridian-notifications',
      ]);
    const migration = objects.find((object) => object.metadata.name === 'meridian-migrations-notifications');
    expect(podTemplateOf(migration!)!.template.spec.containers[0]!.image).toBe(
      'ghcr.io/meridian-platform/meridian-notifications:0.1.0',
    );
    const [readyTest] = byComponent(objects, 'Pod', 'test');
    expect(podTemplateOf(readyTest!)!.template.spec.containers[0]!.args).toContain(
      'http://meridian-notifications:9003/health/ready',
    );
    expect(secretVariables(byComponent(objects, 'Deployment', 'notifications')[0]!)).toEqual([
      'DATABASE_URL <- notifications-database-url',
    ]);
    expect(kubeconform(objects).problems).toEqual([]);
    expect(kubeScore(objects, 'values-production.yaml').map(formatKubeScoreFinding)).toEqual([]);
    expect(runPolicies(objects).map(formatFinding)).toEqual([]);
  });

  it('is reached by no one but scrapers and helm test, and reaches no other service, while it declares no call', () => {
    const objects = withNotifications();
    expect(ingressPorts(objects, 'notifications')).toEqual({
      'namespace monitoring': ['management'],
      test: ['management'],
    });
    expect(pathsBetween(objects, components)).toEqual(declaredPaths());
    const [policy] = byComponent(objects, 'NetworkPolicy', 'notifications');
    const peers = ((policy!.spec!.egress ?? []) as { to?: PolicyPeer[] }[]).flatMap((rule) => rule.to ?? []);
    expect(peers.filter((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/instance'])).toEqual([]);
  });

  it('opens exactly the edge it declares, with a token the Secret must hold', () => {
    const calling = { ...notifications, calls: ['ledger'] };
    const objects = withNotifications(calling);
    expect(pathsBetween(objects, components)).toEqual([...declaredPaths(), 'notifications->ledger'].sort());
    expect(secretVariables(byComponent(objects, 'Deployment', 'notifications')[0]!)).toEqual([
      'DATABASE_URL <- notifications-database-url',
      'LEDGER_TOKEN <- notifications-ledger-token',
    ]);
    expect(secretVariables(byComponent(objects, 'StatefulSet', 'ledger')[0]!)).toContain(
      'INBOUND_NOTIFICATIONS_TOKEN <- notifications-ledger-token',
    );
    expect(byComponent(objects, 'ConfigMap', 'notifications')[0]!.data!.LEDGER_URL).toBe(
      `http://meridian-ledger:${registry.find((service) => service.name === 'ledger')!.port}`,
    );
    // Where the chart creates the Secret from values, it needs the new keys.
    const givenSecrets = [
      'secrets.existingSecret=',
      ...[...impliedSecretKeys(registry), 'notifications-database-url'].map(
        (key) => `secrets.values.${key}=x`,
      ),
    ];
    expect(() => withNotifications(calling, 'values-production.yaml', givenSecrets)).toThrow(
      'secrets.values.notifications-ledger-token is required',
    );
    // A throwaway install (datastores.enabled) derives what secrets.values leaves out.
    const secret = withNotifications(calling, 'values-local.yaml').find(
      (object) => object.kind === 'Secret',
    )!;
    expect(secret.stringData!['notifications-database-url']).toBe(
      'postgresql://postgres@meridian-postgresql:5432/notifications',
    );
    expect(secret.stringData!['notifications-ledger-token']).toMatch(/^local-[0-9a-f]{40}$/);
  });
});
