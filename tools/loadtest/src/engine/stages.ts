import type { Stage } from '../report/summary';

/**
 * Stages of an open-model run, k6's ramping-arrival-rate in one string:
 * `ramp:30s:200,hold:2m:200,spike:10s:800,hold:30s:200`. A ramp goes linearly
 * from the rate the previous stage ended at (0 at the start) to its own; hold
 * and spike keep theirs for the whole stage (a spike is a hold that jumps).
 */
export function parseStages(text: string): Stage[] {
  const stages = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [kind, duration, rate, ...rest] = part.split(':');
      if (kind !== 'ramp' && kind !== 'hold' && kind !== 'spike')
        throw new Error(`stage "${part}": the kind must be ramp, hold or spike`);
      if (duration === undefined || rate === undefined || rest.length > 0)
        throw new Error(`stage "${part}": expected <kind>:<duration>:<rate>, e.g. hold:30s:200`);
      return { kind, durationMs: parseDuration(duration), rate: parseRate(rate) } satisfies Stage;
    });
  if (stages.length === 0) throw new Error('no stages given');
  return stages;
}

/** `500ms`, `30s`, `2m`, or plain seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration (e.g. 500ms, 30s, 2m)`);
  const value = Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  if (value <= 0) throw new Error(`"${text}": a duration must be positive`);
  return value;
}

/** Arrivals per second: `200` or `200/s`. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a rate (arrivals per second, e.g. 200)`);
  return Number(match[1]);
}

export const totalDurationMs = (stages: readonly Stage[]) =>
  stages.reduce((total, stage) => total + stage.durationMs, 0);

/** The rate the stages ask for at a moment of the run (ms since its start). */
export function rateAt(stages: readonly Stage[], atMs: number): number {
  let start = 0;
  let previous = 0;
  for (const stage of stages) {
    if (atMs < start + stage.durationMs) {
      if (stage.kind !== 'ramp') return stage.rate;
      return previous + ((stage.rate - previous) * (atMs - start)) / stage.durationMs;
    }
    start += stage.durationMs;
    previous = stage.rate;
  }
  return 0;
}

/**
 * When each arrival is due, in ms since the start: the k-th arrival comes when
 * the integral of the rate reaches k, so a ramp's arrivals thicken smoothly and
 * the count over a stage is exactly its area.
 */
export function* arrivalTimes(stages: readonly Stage[]): Generator<number> {
  let start = 0;
  let previous = 0;
  let arrived = 0; // arrivals due before this stage, fractional
  let next = 1;
  for (const stage of stages) {
    const seconds = stage.durationMs / 1_000;
    const from = stage.kind === 'ramp' ? previous : stage.rate;
    const slope = (stage.rate - from) / seconds; // arrivals per second, per second
    const area = (from + stage.rate) * seconds * 0.5;
    while (next <= arrived + area + 1e-9) {
      const within = next - arrived;
      // Solve from*t + slope*t^2/2 = within for t in [0, seconds]; at the end of a ramp down to 0 the
      // discriminant is 0, and rounding must not make it negative.
      const t =
        Math.abs(slope) < 1e-12
          ? within / from
          : (-from + Math.sqrt(Math.max(0, from * from + 2 * slope * within))) / slope;
      yield start + Math.min(seconds, t) * 1_000;
      next++;
    }
    arrived += area;
    start += stage.durationMs;
    previous = stage.rate;
  }
}
