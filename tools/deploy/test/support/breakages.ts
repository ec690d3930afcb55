/**
 * What the breakage tests of the rendered chart share (policies.spec.ts and
 * kube-score.spec.ts): the services each breakage is made in, picked from the
 * registry by what they are, and accessors into a rendered object.
 */
import { renderChart } from '../../src/kubernetes/helm';
import {
  componentObjects,
  type Container,
  type KubeObject,
  podTemplateOf,
} from '../../src/kubernetes/manifests';
import { readServiceRegistry } from '../../src/service-registry';

const registry = readServiceRegistry();
export const stateful = registry.find((service) => service.kind === 'StatefulSet')!.name;
export const autoscaled = registry.find(
  (service) => service.kind === 'Deployment' && service.autoscaling,
)!.name;
export const worker = registry.find((service) => service.kind === 'Deployment' && !service.autoscaling)!.name;
export const migrated = registry.find((service) => service.database)!.name;
/** The Deployment production scales with KEDA. */
export const kedaScaled = (
  renderChart('values-production.yaml').find((object) => object.kind === 'ScaledObject')!.spec!
    .scaleTargetRef as { name: string }
).name;

export const find = (objects: KubeObject[], kind: string, component: string) =>
  componentObjects(objects, kind, component)[0]!;
export const pod = (object: KubeObject) => podTemplateOf(object)!.template;
export const container = (object: KubeObject): Container => pod(object).spec.containers[0]!;
