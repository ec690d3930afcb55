/**
 * The registry of services, as the deployment checks see it: the shared
 * loader's entries plus the two chart settings the checks branch on.
 */
import { readFileSync } from 'node:fs';
import { loadRegistry, REGISTRY_FILE, type Service } from '@meridian/service-registry';
import { parse } from 'yaml';

export interface RegisteredService extends Service {
  /** Set: a HorizontalPodAutoscaler owns the replicas. */
  autoscaling: boolean;
  /** Enabled in values.yaml (an environment's values file may enable it too). */
  keda: boolean;
}

interface ChartSettings {
  autoscaling?: object;
  keda?: { enabled?: boolean };
}

/** Every service of values.yaml, sorted by name (the order the chart renders them in). */
export function readServiceRegistry(): RegisteredService[] {
  const values = parse(readFileSync(REGISTRY_FILE, 'utf8')) as { services: Record<string, ChartSettings> };
  return [...loadRegistry().services]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((service) => ({
      ...service,
      autoscaling: values.services[service.name]?.autoscaling !== undefined,
      keda: values.services[service.name]?.keda?.enabled ?? false,
    }));
}
