import type { Stage } from '../report/summary';
import { type Clock, systemClock } from './clock';
import { arrivalTimes } from './stages';

export interface OpenModelOptions {
  stages: readonly Stage[];
  /** Starts one operation due at `scheduledAt` (clock time); it records its own outcome and never rejects. */
  fire: (scheduledAt: number) => Promise<void>;
  /** Operations waiting for an answer at most; an arrival beyond it is dropped, and counted. */
  maxInFlight: number;
  onDrop?: (scheduledAt: number) => void;
  clock?: Clock;
  signal?: AbortSignal;
}

export interface ModelRun {
  startedAt: number;
  started: number;
  dropped: number;
}

/**
 * The open model (wrk2, k6's arrival-rate executors): each arrival is started
 * at its scheduled time whether or not earlier ones have been answered, and
 * the operation measures its latency from that scheduled time. A stall of the
 * target therefore shows as the latency of every arrival it delayed, instead
 * of as one slow request among few (coordinated omission). When the process
 * falls behind, late arrivals are started at once, still timed from when they
 * were due.
 */
export async function runOpenModel(options: OpenModelOptions): Promise<ModelRun> {
  const clock = options.clock ?? systemClock;
  const startedAt = clock.now();
  const inFlight = new Set<Promise<void>>();
  let started = 0;
  let dropped = 0;
  let sinceYield = 0;
  for (const offset of arrivalTimes(options.stages)) {
    if (options.signal?.aborted) break;
    const scheduledAt = startedAt + offset;
    await clock.sleepUntil(scheduledAt);
    // Behind schedule, arrivals come without waiting: let answers be read between them (and between
    // drops, or a backlog would be dropped whole while its answers wait unread).
    if (++sinceYield >= 64) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (inFlight.size >= options.maxInFlight) {
      dropped++;
      options.onDrop?.(scheduledAt);
      continue;
    }
    const operation = options.fire(scheduledAt).finally(() => inFlight.delete(operation));
    inFlight.add(operation);
    started++;
  }
  await Promise.all(inFlight);
  return { startedAt, started, dropped };
}
