import { build, type Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from '../report/summary';

/**
 * Latency in an HDR histogram (hdr-histogram-js, plain JavaScript): recorded
 * in microseconds to three significant digits, so p99 and p99.9 are exact to
 * 0.1% however many values, in constant memory.
 */
export class LatencyHistogram {
  private readonly histogram: Histogram;

  constructor(significantDigits: 2 | 3 = 3) {
    this.histogram = build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 3_600_000_000,
      numberOfSignificantValueDigits: significantDigits,
      useWebAssembly: false,
    });
  }

  recordMs(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1_000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentileMs(percentile: number): number {
    return this.count === 0 ? 0 : this.histogram.getValueAtPercentile(percentile) / 1_000;
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1_000;
    if (this.count === 0)
      return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const at = (p: number) => ms(this.histogram.getValueAtPercentile(p));
    return {
      count: this.count,
      min: ms(this.histogram.minNonZeroValue),
      mean: ms(this.histogram.mean),
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      p999: at(99.9),
      max: ms(this.histogram.maxValue),
    };
  }
}
