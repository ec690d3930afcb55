import { SeededRandom, seeded } from '@meridian/testing';
import { LatencyHistogram } from '../../src/metrics/histogram';
import { type OperationOutcome, Recorder } from '../../src/metrics/recorder';

const START = 50_000;

/** An outcome of `scenario`, due at `dueMs` and answered `latencyMs` later (both relative to START). */
const outcome = (
  scenario: string,
  dueMs: number,
  latencyMs: number,
  fields: Partial<OperationOutcome> = {},
): OperationOutcome => ({
  scenario,
  scheduledAt: START + dueMs,
  finishedAt: START + dueMs + latencyMs,
  status: '2xx',
  requests: 1,
  ...fields,
});

/** `observed` is `expected` to within `share` of it (HDR percentiles are the top of their bucket). */
function expectNear(observed: number, expected: number, share: number) {
  expect({ observed, expected, near: Math.abs(observed - expected) <= expected * share }).toEqual({
    observed,
    expected,
    near: true,
  });
}

describe('Recorder', () => {
  /**
   * 3 seconds of a run: transfer 4 operations (one 5xx, one network failure), reads 3 (one refused with a
   * problem type), batch 1 of 5 requests; and 2 arrivals dropped.
   */
  function sampleRun() {
    const recorder = new Recorder(START, (ms) => ms / 10);
    recorder.record(outcome('transfer', 100, 20));
    recorder.record(outcome('transfer', 200, 40, { requests: 2 }));
    recorder.record(outcome('transfer', 1_100, 300, { status: '5xx', failure: 'http-503' }));
    recorder.record(outcome('transfer', 2_100, 800, { status: 'network', failure: 'network' }));
    recorder.record(outcome('reads', 300, 10));
    recorder.record(outcome('reads', 1_300, 30));
    recorder.record(outcome('reads', 1_500, 50, { status: '4xx', failure: 'urn:problem:forbidden' }));
    recorder.record(outcome('batch', 2_200, 70, { requests: 5 }));
    recorder.recordDropped('transfer', START + 2_500);
    recorder.recordDropped('reads', START + 2_600);
    return recorder;
  }

  it('counts operations, requests and failures per scenario (sorted by name) and in total; throughput is successful operations per second of the duration given', () => {
    const recorder = sampleRun();
    const { totals, scenarios } = recorder.summary(2_000);

    expect(recorder.operations).toBe(10);
    expect(recorder.failures).toBe(5);
    expect(recorder.dropped).toBe(2);
    // 5 of the 10 succeeded, over 2 s.
    expect(totals).toMatchObject({ name: 'all', operations: 10, requests: 13, throughputPerSecond: 2.5 });
    expect(scenarios.map((s) => [s.name, s.operations, s.requests, s.throughputPerSecond])).toEqual([
      ['batch', 1, 5, 0.5],
      ['reads', 4, 3, 1],
      ['transfer', 5, 5, 1],
    ]);
  });

  it('counts failures by cause, dropped arrivals as `dropped`, and the error rate as failed / operations', () => {
    const { totals, scenarios } = sampleRun().summary(3_000);
    const byName = Object.fromEntries(scenarios.map((s) => [s.name, s]));

    expect(totals.errors).toEqual({ dropped: 2, 'http-503': 1, network: 1, 'urn:problem:forbidden': 1 });
    expect(Object.keys(totals.errors)).toEqual(['dropped', 'http-503', 'network', 'urn:problem:forbidden']);
    expect(totals.errorRate).toBe(5 / 10);
    expect(byName.transfer!.errors).toEqual({ dropped: 1, 'http-503': 1, network: 1 });
    expect(byName.transfer!.errorRate).toBe(3 / 5);
    expect(byName.reads!.errors).toEqual({ dropped: 1, 'urn:problem:forbidden': 1 });
    expect(byName.reads!.errorRate).toBe(2 / 4);
    expect(byName.batch!.errors).toEqual({});
    expect(byName.batch!.errorRate).toBe(0);
  });

  it('keeps latency by status class: 2xx, 4xx, 5xx and network; a dropped arrival has no latency at all', () => {
    const { totals, scenarios } = sampleRun().summary(3_000);

    expect(Object.keys(totals.byStatusClass).sort()).toEqual(['2xx', '4xx', '5xx', 'network']);
    expect(totals.byStatusClass['2xx']).toMatchObject({ count: 5, min: 10, max: 70 });
    expect(totals.byStatusClass['4xx']).toMatchObject({ count: 1, min: 50, max: 50 });
    expect(totals.byStatusClass['5xx']).toMatchObject({ count: 1, min: 300, max: 300 });
    expectNear(totals.byStatusClass['4xx']!.p50, 50, 0.001);
    expectNear(totals.byStatusClass['5xx']!.p50, 300, 0.001);
    // 800 ms for the network failure; the dropped arrivals would have pulled the percentiles down to 0.
    expect(totals.byStatusClass.network).toMatchObject({ count: 1, min: 800, max: 800 });
    expect(totals.latency.count).toBe(8);
    expect(scenarios.find((s) => s.name === 'batch')!.byStatusClass).toEqual({
      '2xx': expect.objectContaining({ count: 1, min: 70, max: 70 }),
    });
  });

  it('measures latency from the scheduled time to the last answer, and an answer before its due time as 0', () => {
    const recorder = new Recorder(START);
    recorder.record(outcome('transfer', 0, 250));
    recorder.record({ ...outcome('transfer', 500, 0), finishedAt: START + 400 });
    const { latency } = recorder.summary(1_000).totals;
    expect(latency).toMatchObject({ count: 2, max: 250, min: 0.001 });
  });

  it('builds a timeline by the second an operation was answered in: operations and errors per second, the target rate at each second’s middle, and seconds with none as zeros', () => {
    const { timeline } = sampleRun().summary(5_000);

    // Answered at 120, 240, 310 ms; 1400, 1330, 1550 ms; 2900, 2270 ms and the drops at 2500, 2600 ms.
    expect(
      timeline.map(({ second, targetRate, operations, errors }) => ({
        second,
        targetRate,
        operations,
        errors,
      })),
    ).toEqual([
      { second: 0, targetRate: 50, operations: 3, errors: 0 },
      { second: 1, targetRate: 150, operations: 3, errors: 2 },
      { second: 2, targetRate: 250, operations: 4, errors: 3 },
      { second: 3, targetRate: 350, operations: 0, errors: 0 },
      { second: 4, targetRate: 450, operations: 0, errors: 0 },
    ]);
    // Second 0 answered 10, 20 and 40 ms; the timeline's histograms keep 2 significant digits (1%).
    expectNear(timeline[0]!.p50, 20, 0.01);
    expectNear(timeline[0]!.p99, 40, 0.01);
    expect(timeline[3]).toMatchObject({ p50: 0, p90: 0, p99: 0 });
  });

  it('runs the timeline past the duration given when answers came later, and counts an answer before the start in second 0', () => {
    const recorder = new Recorder(START, () => 100);
    recorder.record(outcome('transfer', -300, 100));
    recorder.record(outcome('transfer', 3_100, 100));
    const { timeline } = recorder.summary(1_000);
    expect(timeline.map((point) => point.operations)).toEqual([1, 0, 0, 1]);
  });

  it('leaves the target rate null in a closed-model timeline (no rate function)', () => {
    const recorder = new Recorder(START);
    recorder.record(outcome('transfer', 100, 10));
    expect(recorder.summary(2_000).timeline.map((point) => point.targetRate)).toEqual([null, null]);
  });

  it('reports the last complete second for live progress: its answered operations, p50 and p99; zeros before one is complete', () => {
    const recorder = new Recorder(START);
    for (let i = 1; i <= 100; i++) recorder.record(outcome('reads', 1_000, i));
    expect(recorder.lastSecond(START + 999)).toEqual({ ratePerSecond: 0, p50: 0, p99: 0 });
    const last = recorder.lastSecond(START + 2_500);
    expect(last.ratePerSecond).toBe(100);
    expectNear(last.p50, 50, 0.01);
    expectNear(last.p99, 99, 0.01);
  });

  it('reports zero throughput for a zero duration, and an error rate of 0 with no operations', () => {
    const recorder = new Recorder(START);
    expect(recorder.summary(0).totals).toMatchObject({ operations: 0, errorRate: 0, throughputPerSecond: 0 });
    recorder.record(outcome('transfer', 0, 5));
    expect(recorder.summary(0).totals.throughputPerSecond).toBe(0);
  });
});

describe(seeded('LatencyHistogram'), () => {
  it('on 1..1000 ms, one each: p50 is 500 within 0.1%, p90 900, p99 990, p99.9 999, min 1, max 1000, mean 500.5, count 1000', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 1_000; ms++) histogram.recordMs(ms);
    const summary = histogram.summary();

    expect(summary.count).toBe(1_000);
    expect(histogram.count).toBe(1_000);
    expectNear(summary.min, 1, 0.001);
    expectNear(summary.p50, 500, 0.001);
    expectNear(summary.p90, 900, 0.001);
    expectNear(summary.p99, 990, 0.001);
    expectNear(summary.p999, 999, 0.001);
    expectNear(summary.max, 1_000, 0.001);
    expectNear(summary.mean, 500.5, 0.001);
    expectNear(histogram.percentileMs(50), 500, 0.001);
    expectNear(histogram.percentileMs(99), 990, 0.001);
  });

  it('on 10 000 seeded latencies from 0.05 ms to 60 s, every percentile of 50, 90, 99 and 99.9 is the exact one within 0.1%', () => {
    const random = new SeededRandom();
    const histogram = new LatencyHistogram();
    // Log-uniform, as latencies spread: most fast, a long tail.
    const values = Array.from({ length: 10_000 }, () => 0.05 * Math.pow(1_200_000, random.next()));
    for (const value of values) histogram.recordMs(value);
    const sorted = [...values].sort((a, b) => a - b);

    for (const percentile of [50, 90, 99, 99.9]) {
      // The nearest rank (9990 for 99.9 of 10 000; 1e-9 absorbs 99.9 / 100 rounding up).
      const exact = sorted[Math.ceil((percentile * sorted.length) / 100 - 1e-9) - 1]!;
      const observed = histogram.percentileMs(percentile);
      // Recorded in whole microseconds: a value is exact to 0.1%, or to 1 µs below 1 ms.
      expect({
        percentile,
        exact,
        observed,
        near: Math.abs(observed - exact) <= exact * 0.001 + 0.001,
      }).toEqual({
        percentile,
        exact,
        observed,
        near: true,
      });
    }
  });

  it('with 2 significant digits (the timeline’s), is exact to 1%: 1..1000 ms gives p50 500 and p99 990 within 1%', () => {
    const histogram = new LatencyHistogram(2);
    for (let ms = 1; ms <= 1_000; ms++) histogram.recordMs(ms);
    expectNear(histogram.percentileMs(50), 500, 0.01);
    expectNear(histogram.percentileMs(99), 990, 0.01);
  });

  it('keeps sub-millisecond latencies to the microsecond (0.25 ms → 0.25) and records 0 or less as 1 µs', () => {
    const histogram = new LatencyHistogram();
    histogram.recordMs(0.25);
    expect(histogram.summary()).toMatchObject({ min: 0.25, max: 0.25, p50: 0.25 });
    const floor = new LatencyHistogram();
    floor.recordMs(0);
    floor.recordMs(-3);
    expect(floor.summary()).toMatchObject({ count: 2, min: 0.001, max: 0.001 });
  });

  it('tracks an hour-long latency (3 600 000 ms) within 0.1%', () => {
    const histogram = new LatencyHistogram();
    histogram.recordMs(3_600_000);
    expectNear(histogram.summary().max, 3_600_000, 0.001);
  });

  it('summarizes an empty histogram as zeros, and its percentiles as 0', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.summary()).toEqual({
      count: 0,
      min: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      p999: 0,
      max: 0,
    });
    expect(histogram.percentileMs(99)).toBe(0);
  });
});
