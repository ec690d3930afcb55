/**
 * The registry of services: the `services` map of the chart's values.yaml.
 * The deployment checks iterate it instead of naming services. Only the fields
 * they read are typed here; values.schema.json validates the whole entry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR } from './toolchain';

export interface RegisteredService {
  name: string;
  kind: 'Deployment' | 'StatefulSet';
  port: number;
  managementPort: number;
  public: boolean;
  database: boolean;
  redis: 'none' | 'queues' | 'cache';
  adminToken: boolean;
  calls: string[];
  /** Set: a HorizontalPodAutoscaler owns the replicas. */
  autoscaling: boolean;
  /** Enabled in values.yaml (an environment's values file may enable it too). */
  keda: boolean;
}

type Entry = Partial<Omit<RegisteredService, 'name' | 'autoscaling' | 'keda'>> & {
  autoscaling?: object;
  keda?: { enabled?: boolean };
};

/** Every service of values.yaml, sorted by name (the order the chart renders them in). */
export function readServiceRegistry(): RegisteredService[] {
  const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
    services: Record<string, Entry>;
  };
  return Object.entries(values.services)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, entry]) => ({
      name,
      kind: entry.kind ?? 'Deployment',
      port: entry.port ?? 0,
      managementPort: entry.managementPort ?? 0,
      public: entry.public ?? false,
      database: entry.database ?? false,
      redis: entry.redis ?? 'none',
      adminToken: entry.adminToken ?? false,
      calls: entry.calls ?? [],
      autoscaling: entry.autoscaling !== undefined,
      keda: entry.keda?.enabled ?? false,
    }));
}
