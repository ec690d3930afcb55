/** What the rendered NetworkPolicies allow between the chart's components, read as the API server would. */
import {
  componentObjects as byComponent,
  isHook,
  type KubeObject,
  podTemplateOf,
  selects,
} from '../../src/kubernetes/manifests';

type Peer = {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
};

/** Who may connect to a component's pods, and on which ports: `api -> [http]`, `namespace monitoring -> [management]`. */
export function ingressPorts(objects: KubeObject[], component: string): Record<string, string[]> {
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

export type PolicyPeer = {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: unknown;
};
const podSelectorOf = (policy: KubeObject) =>
  (policy.spec!.podSelector as { matchLabels?: Record<string, string> }).matchLabels;

/** The pod labels of a component's workload (a service's, before a hook's such as the load-test Job's). */
function labelsOf(objects: KubeObject[], component: string): Record<string, string> {
  const workloads = objects.filter(
    (object) =>
      podTemplateOf(object)?.template.metadata?.labels?.['app.kubernetes.io/component'] === component,
  );
  const workload = workloads.find((object) => !isHook(object)) ?? workloads[0];
  return podTemplateOf(workload!)!.template.metadata!.labels!;
}

/** from -> to is allowed when a policy of `from` lets it out and a policy of `to` lets it in. */
export function allowed(objects: KubeObject[], from: string, to: string): boolean {
  const policies = objects.filter((object) => object.kind === 'NetworkPolicy');
  const fromLabels = labelsOf(objects, from);
  const toLabels = labelsOf(objects, to);
  const peerMatches = (peers: PolicyPeer[] | undefined, labels: Record<string, string>) =>
    (peers ?? []).some((peer) => !peer.namespaceSelector && selects(peer.podSelector?.matchLabels, labels));
  const out = policies.some(
    (policy) =>
      selects(podSelectorOf(policy), fromLabels) &&
      ((policy.spec!.egress ?? []) as { to?: PolicyPeer[] }[]).some((rule) => peerMatches(rule.to, toLabels)),
  );
  const into = policies.some(
    (policy) =>
      selects(podSelectorOf(policy), toLabels) &&
      ((policy.spec!.ingress ?? []) as { from?: PolicyPeer[] }[]).some((rule) =>
        peerMatches(rule.from, fromLabels),
      ),
  );
  return out && into;
}

/** Every allowed path between the given components, as `from->to`, sorted. */
export const pathsBetween = (objects: KubeObject[], components: string[]) =>
  components
    .flatMap((from) =>
      components.filter((to) => to !== from && allowed(objects, from, to)).map((to) => `${from}->${to}`),
    )
    .sort();
