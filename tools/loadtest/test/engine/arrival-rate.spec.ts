import type { Clock } from '../../src/engine/clock';
import { type ModelRun, runOpenModel } from '../../src/engine/open-model';
import type { Stage } from '../../src/report/summary';

/**
 * A clock the test drives: `sleepUntil` moves time straight to the moment
 * asked for (never back), so a run of many virtual seconds takes no real time
 * and every arrival is fired at exactly its scheduled moment. `onSleep` lets a
 * test act at a moment of the run (lag the clock, answer an operation).
 */
class VirtualClock implements Clock {
  constructor(
    public time: number,
    private readonly onSleep?: (at: number, clock: VirtualClock) => Promise<void> | void,
  ) {}

  now(): number {
    return this.time;
  }

  async sleepUntil(at: number): Promise<void> {
    if (at > this.time) this.time = at;
    await this.onSleep?.(at, this);
  }
}

/** Lets every pending promise callback and I/O callback run: an event to wait for, not a sleep. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise kept when the arrival due at `at` ms (a virtual clock started at 0) is started or dropped. */
function lastArrivalAt(at: number) {
  let reached!: () => void;
  const lastArrival = new Promise<void>((resolve) => (reached = resolve));
  return {
    lastArrival,
    reachedLast: (scheduledAt: number) => {
      if (Math.abs(scheduledAt - at) < 1e-6) reached();
    },
  };
}

/** Each fired operation: when it was due, and what the clock read when it was started. */
interface Fired {
  scheduledAt: number;
  startedAt: number;
}

/** Runs the open model on a virtual clock against a target that answers at once. */
async function runVirtual(stages: Stage[], startAt = 1_000_000) {
  const clock = new VirtualClock(startAt);
  const fired: Fired[] = [];
  const drops: number[] = [];
  const run = await runOpenModel({
    stages,
    maxInFlight: 100_000,
    clock,
    fire: async (scheduledAt) => {
      fired.push({ scheduledAt, startedAt: clock.now() });
    },
    onDrop: (scheduledAt) => drops.push(scheduledAt),
  });
  return { run, fired, drops, offsets: fired.map((f) => f.scheduledAt - run.startedAt) };
}

/**
 * How many offsets fall in each second ((k-1)·1000, k·1000] ms of the run, for k = 1..seconds: the n-th
 * arrival is due when the integral of the rate reaches n, so an arrival due exactly at a second's
 * end belongs to that second.
 */
function perSecond(offsets: readonly number[], seconds: number): number[] {
  const counts = Array.from({ length: seconds }, () => 0);
  for (const offset of offsets) {
    const second = Math.ceil(offset / 1_000) - 1;
    if (second >= 0 && second < seconds) counts[second]!++;
  }
  return counts;
}

describe('The arrival-rate scheduler holds the requested rate within a few percent when the target is fast', () => {
  describe('on a virtual clock', () => {
    it('hold 10s at 200/s fires exactly 2000 operations, 5 ms apart (to 1e-6 ms) from startedAt + 5 ms to startedAt + 10 s, 200 ± 1 in every virtual second, each started at its scheduled time, none dropped', async () => {
      const { run, fired, drops, offsets } = await runVirtual([
        { kind: 'hold', durationMs: 10_000, rate: 200 },
      ]);

      expect(run).toEqual({ startedAt: 1_000_000, started: 2_000, dropped: 0 });
      expect(fired).toHaveLength(2_000);
      expect(drops).toEqual([]);
      offsets.forEach((offset, index) => expect(Math.abs(offset - 5 * (index + 1))).toBeLessThan(1e-6));
      for (const { scheduledAt, startedAt } of fired) expect(startedAt).toBe(scheduledAt);
      for (const count of perSecond(offsets, 10)) expect(Math.abs(count - 200)).toBeLessThanOrEqual(1);
    });

    it('a ramp 0→100/s over 10 s schedules 500 arrivals, the n-th at sqrt(n/5) s (to 1e-6 ms), so second k (0-based) holds 10k+5 ± 1 of them', async () => {
      const { run, offsets } = await runVirtual([{ kind: 'ramp', durationMs: 10_000, rate: 100 }]);

      expect(run.started).toBe(500);
      expect(run.dropped).toBe(0);
      // The rate at t seconds is 10t, so n arrivals are due by the time 5t² reaches n.
      offsets.forEach((offset, index) =>
        expect(Math.abs(offset - Math.sqrt((index + 1) / 5) * 1_000)).toBeLessThan(1e-6),
      );
      const counts = perSecond(offsets, 10);
      counts.forEach((count, k) => expect(Math.abs(count - (10 * k + 5))).toBeLessThanOrEqual(1));
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(500);
    });

    it('ramp 2s→100, hold 3s at 100, spike 1s at 400 and ramp 2s→0 fire each stage’s area (100, 300, 400, 400 arrivals: 1200 in all), in order, all within the 8 s', async () => {
      const { run, offsets } = await runVirtual([
        { kind: 'ramp', durationMs: 2_000, rate: 100 },
        { kind: 'hold', durationMs: 3_000, rate: 100 },
        { kind: 'spike', durationMs: 1_000, rate: 400 },
        { kind: 'ramp', durationMs: 2_000, rate: 0 },
      ]);

      expect(run.started).toBe(1_200);
      const within = (from: number, to: number) => offsets.filter((o) => o > from && o <= to).length;
      expect([within(0, 2_000), within(2_000, 5_000), within(5_000, 6_000), within(6_000, 8_000)]).toEqual([
        100, 300, 400, 400,
      ]);
      for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBeGreaterThanOrEqual(offsets[i - 1]!);
    });

    it('a run whose area is not whole fires its whole part: ramp 1s→3 then hold 1s at 3 (area 4.5) fires 4, the first at sqrt(2/3) s and the rest 1/3 s apart from 1 s + 1/6 s', async () => {
      const { run, offsets } = await runVirtual([
        { kind: 'ramp', durationMs: 1_000, rate: 3 },
        { kind: 'hold', durationMs: 1_000, rate: 3 },
      ]);

      expect(run.started).toBe(4);
      const expected = [Math.sqrt(2 / 3) * 1_000, 1_000 + 500 / 3, 1_500, 1_000 + 2_500 / 3];
      offsets.forEach((offset, i) => expect(Math.abs(offset - expected[i]!)).toBeLessThan(1e-6));
    });

    it('when the process falls 50 ms behind, the late arrivals start at once but keep their scheduled times: 200/s for 1 s still has 200 arrivals exactly 5 ms apart, and the 10 due during the lag start together at its end', async () => {
      let lagged = false;
      const clock = new VirtualClock(0, (at, self) => {
        // At the 100th arrival the process stalls for 50 ms (a long GC, a busy event loop).
        if (!lagged && at >= 500) {
          lagged = true;
          self.time = at + 50;
        }
      });
      const fired: Fired[] = [];
      const run = await runOpenModel({
        stages: [{ kind: 'hold', durationMs: 1_000, rate: 200 }],
        maxInFlight: 1_000,
        clock,
        fire: async (scheduledAt) => {
          fired.push({ scheduledAt, startedAt: clock.now() });
        },
      });

      expect(run.started).toBe(200);
      fired.forEach(({ scheduledAt }, i) => expect(Math.abs(scheduledAt - 5 * (i + 1))).toBeLessThan(1e-6));
      const late = fired.filter(({ scheduledAt, startedAt }) => startedAt > scheduledAt + 1e-6);
      // Due at 500, 505, ..., 545 ms (the 100th to the 109th), all started at 550; 550 itself is on time.
      expect(late.map((f) => Math.round(f.scheduledAt))).toEqual([
        500, 505, 510, 515, 520, 525, 530, 535, 540, 545,
      ]);
      for (const f of late) expect(f.startedAt).toBe(550);
    });

    it('maxInFlight 10 at 100/s for 1 s against a target that never answers until released: 10 started, the other 90 dropped with onDrop told each one’s scheduled time, and the run resolves only once the 10 are released', async () => {
      const clock = new VirtualClock(0);
      const answers: Array<() => void> = [];
      const started: number[] = [];
      const drops: number[] = [];
      const { lastArrival, reachedLast } = lastArrivalAt(1_000);
      let result: ModelRun | undefined;
      const running = runOpenModel({
        stages: [{ kind: 'hold', durationMs: 1_000, rate: 100 }],
        maxInFlight: 10,
        clock,
        fire: (scheduledAt) => {
          started.push(scheduledAt);
          reachedLast(scheduledAt);
          return new Promise<void>((resolve) => answers.push(resolve));
        },
        onDrop: (scheduledAt) => {
          drops.push(scheduledAt);
          reachedLast(scheduledAt);
        },
      }).then((run) => (result = run));

      await lastArrival;
      expect(started.map(Math.round)).toEqual(Array.from({ length: 10 }, (_, i) => 10 * (i + 1)));
      expect(drops.map(Math.round)).toEqual(Array.from({ length: 90 }, (_, i) => 10 * (i + 11)));
      await settle();
      expect(result).toBeUndefined();

      for (const answer of answers) answer();
      await running;
      expect(result).toEqual({ startedAt: 0, started: 10, dropped: 90 });
    });

    it('maxInFlight 10 at 100/s for 1 s: when the first operation is answered at 500 ms, the arrival due then is started (11 started, 89 dropped: those due at 110..490 and 510..1000 ms)', async () => {
      const answers: Array<() => void> = [];
      let answeredFirst = false;
      const clock = new VirtualClock(0, async (at) => {
        if (!answeredFirst && at >= 500) {
          answeredFirst = true;
          answers[0]!();
          await settle(); // the answer is read before the arrival due at 500 ms is weighed
        }
      });
      const started: number[] = [];
      const drops: number[] = [];
      const { lastArrival, reachedLast } = lastArrivalAt(1_000);
      const running = runOpenModel({
        stages: [{ kind: 'hold', durationMs: 1_000, rate: 100 }],
        maxInFlight: 10,
        clock,
        fire: (scheduledAt) => {
          started.push(scheduledAt);
          reachedLast(scheduledAt);
          return new Promise<void>((resolve) => answers.push(resolve));
        },
        onDrop: (scheduledAt) => {
          drops.push(scheduledAt);
          reachedLast(scheduledAt);
        },
      });

      await lastArrival;
      for (const answer of answers) answer();
      const run = await running;

      expect(run).toEqual({ startedAt: 0, started: 11, dropped: 89 });
      expect(started.map(Math.round)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 500]);
      expect(drops.map(Math.round)).toEqual([
        ...Array.from({ length: 39 }, (_, i) => 110 + 10 * i),
        ...Array.from({ length: 50 }, (_, i) => 510 + 10 * i),
      ]);
    });
  });

  describe('on the system clock, against a fast in-process target', () => {
    it('500/s for 2 s with maxInFlight 100 starts exactly 1000 operations and drops none; the k-th is scheduled at startedAt + 2k ms (to 1e-6) however late it starts, so the rate over the scheduled times is 500/s within 2%; none starts more than one timer tick early; the run lasts at least 2 s minus one interval', async () => {
      const fired: Fired[] = [];
      const drops: number[] = [];
      const run = await runOpenModel({
        stages: [{ kind: 'hold', durationMs: 2_000, rate: 500 }],
        // Even when behind, the scheduler lets answers be read after at most 64 starts, and this target
        // answers on the next turn of the event loop: fewer than 100 are ever in flight.
        maxInFlight: 100,
        fire: async (scheduledAt) => {
          fired.push({ scheduledAt, startedAt: performance.now() });
          await settle();
        },
        onDrop: (scheduledAt) => drops.push(scheduledAt),
      });
      const endedAt = performance.now();

      expect(run.started).toBe(1_000);
      expect(run.dropped).toBe(0);
      expect(drops).toEqual([]);
      expect(fired).toHaveLength(1_000);
      // The schedule is fixed at the start: lateness never shifts the arrivals after it.
      fired.forEach(({ scheduledAt }, i) =>
        expect(Math.abs(scheduledAt - (run.startedAt + 2 * (i + 1)))).toBeLessThan(1e-6),
      );
      const first = fired[0]!.scheduledAt;
      const last = fired.at(-1)!.scheduledAt;
      const achieved = (fired.length - 1) / ((last - first) / 1_000);
      expect(Math.abs(achieved - 500) / 500).toBeLessThan(0.02);
      // A timer may fire up to about 1 ms before its moment (millisecond timer resolution), never more.
      for (const { scheduledAt, startedAt } of fired) expect(startedAt).toBeGreaterThan(scheduledAt - 2);
      expect(endedAt - run.startedAt).toBeGreaterThanOrEqual(2_000 - 2);
    });
  });
});
