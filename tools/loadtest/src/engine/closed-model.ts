import { type Clock, systemClock } from './clock';
import type { ModelRun } from './open-model';

export interface ClosedModelOptions {
  virtualUsers: number;
  durationMs: number;
  fire: (scheduledAt: number) => Promise<void>;
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * The closed model, for comparison: N virtual users, each sending its next
 * request when the previous one is answered. Its rate follows the target's
 * speed, so a stall delays only the requests in flight and hides the rest:
 * the coordinated omission the open model avoids.
 */
export async function runClosedModel(options: ClosedModelOptions): Promise<ModelRun> {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const end = startedAt + options.durationMs;
  let started = 0;
  const user = async () => {
    while (clock.now() < end && !options.signal?.aborted) {
      started++;
      await options.fire(clock.now());
    }
  };
  await Promise.all(Array.from({ length: options.virtualUsers }, user));
  return { startedAt, started, dropped: 0 };
}
