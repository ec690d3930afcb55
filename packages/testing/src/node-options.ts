/**
 * The young-generation size the chart gives every service
 * (deploy/helm/meridian/values.yaml, serviceDefaults.heap.maxSemiSpaceMb; a
 * chart test keeps the two equal). Node otherwise sizes it from the host's
 * memory, and every process started here (tests, the local stack,
 * benchmarks) would hold ~100 MB more than it does when deployed.
 */
export const SERVICE_HEAP_OPTIONS = '--max-semi-space-size=16';

/** A service's environment with SERVICE_HEAP_OPTIONS first in NODE_OPTIONS (flags given later win). */
export function withServiceHeap(env: Record<string, string>): Record<string, string> {
  return { ...env, NODE_OPTIONS: `${SERVICE_HEAP_OPTIONS} ${env.NODE_OPTIONS ?? ''}`.trim() };
}
