import type { OperationsSummary, StatusClass, TimelinePoint } from '../report/summary';
import { LatencyHistogram } from './histogram';

/** What one operation (one scenario run) came to. */
export interface OperationOutcome {
  scenario: string;
  /** Clock times: when it was due (open model) or started (closed), and when its last answer arrived. */
  scheduledAt: number;
  finishedAt: number;
  /** The class of its deciding answer. */
  status: StatusClass;
  /** Why it failed (a problem type, `http-<status>`, `network`, or the scenario's own check); absent when it did what it should. */
  failure?: string;
  requests: number;
}

class OperationStats {
  readonly latency = new LatencyHistogram();
  readonly byStatus = new Map<StatusClass, LatencyHistogram>();
  readonly errors = new Map<string, number>();
  operations = 0;
  requests = 0;
  failed = 0;

  /** latencyMs null: an arrival never started (dropped), which has no latency to record, only a failure. */
  add(outcome: OperationOutcome, latencyMs: number | null) {
    this.operations++;
    this.requests += outcome.requests;
    if (latencyMs !== null) {
      this.latency.recordMs(latencyMs);
      let byStatus = this.byStatus.get(outcome.status);
      if (!byStatus) this.byStatus.set(outcome.status, (byStatus = new LatencyHistogram()));
      byStatus.recordMs(latencyMs);
    }
    if (outcome.failure !== undefined) {
      this.failed++;
      this.errors.set(outcome.failure, (this.errors.get(outcome.failure) ?? 0) + 1);
    }
  }

  summarize(name: string, durationMs: number): OperationsSummary {
    return {
      name,
      operations: this.operations,
      requests: this.requests,
      throughputPerSecond: durationMs > 0 ? round((this.operations - this.failed) / (durationMs / 1_000)) : 0,
      latency: this.latency.summary(),
      byStatusClass: Object.fromEntries([...this.byStatus].map(([status, h]) => [status, h.summary()])),
      errors: Object.fromEntries([...this.errors].sort(([a], [b]) => a.localeCompare(b))),
      errorRate: this.operations > 0 ? this.failed / this.operations : 0,
    };
  }
}

class Second {
  readonly latency = new LatencyHistogram(2);
  dropped = 0;
  errors = 0;
}

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * Collects every operation's outcome: per scenario and in total, by status
 * class and failure cause, and second by second for the plots. Latency runs
 * from the scheduled time, so time spent waiting to be sent counts.
 */
export class Recorder {
  private readonly total = new OperationStats();
  private readonly scenarios = new Map<string, OperationStats>();
  private readonly seconds: Second[] = [];
  dropped = 0;

  constructor(
    /** Clock time the run started at (its second 0). */
    readonly startedAt: number,
    /** The rate the model asked for at a moment (ms since start), for the timeline; null for the closed model. */
    private readonly targetRateAt: ((ms: number) => number) | null = null,
  ) {}

  record(outcome: OperationOutcome): void {
    this.add(outcome, Math.max(0, outcome.finishedAt - outcome.scheduledAt));
  }

  /**
   * An arrival the open model could not start (maxInFlight reached): a
   * failure, counted in the error rate, but no latency (a 0 would pull the
   * percentiles down exactly when the target is stalling).
   */
  recordDropped(scenario: string, scheduledAt: number): void {
    this.dropped++;
    this.add(
      { scenario, scheduledAt, finishedAt: scheduledAt, status: 'network', failure: 'dropped', requests: 0 },
      null,
    );
  }

  private add(outcome: OperationOutcome, latencyMs: number | null): void {
    this.total.add(outcome, latencyMs);
    let stats = this.scenarios.get(outcome.scenario);
    if (!stats) this.scenarios.set(outcome.scenario, (stats = new OperationStats()));
    stats.add(outcome, latencyMs);
    const second = this.secondOf(outcome.finishedAt);
    if (latencyMs !== null) second.latency.recordMs(latencyMs);
    else second.dropped++;
    if (outcome.failure !== undefined) second.errors++;
  }

  get operations(): number {
    return this.total.operations;
  }

  get failures(): number {
    return this.total.failed;
  }

  /** The last complete second: operations answered in it and their p50 and p99 (for live progress). */
  lastSecond(nowMs: number): { ratePerSecond: number; p50: number; p99: number } {
    const second = this.seconds[Math.floor((nowMs - this.startedAt) / 1_000) - 1];
    if (!second) return { ratePerSecond: 0, p50: 0, p99: 0 };
    return {
      ratePerSecond: second.latency.count,
      p50: second.latency.percentileMs(50),
      p99: second.latency.percentileMs(99),
    };
  }

  summary(durationMs: number): {
    totals: OperationsSummary;
    scenarios: OperationsSummary[];
    timeline: TimelinePoint[];
  } {
    return {
      totals: this.total.summarize('all', durationMs),
      scenarios: [...this.scenarios]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, stats]) => stats.summarize(name, durationMs)),
      timeline: Array.from(
        { length: Math.max(this.seconds.length, Math.ceil(durationMs / 1_000)) },
        (_, second) => {
          const stats = this.seconds[second] ?? new Second();
          return {
            second,
            targetRate: this.targetRateAt ? round(this.targetRateAt(second * 1_000 + 500)) : null,
            operations: stats.latency.count + stats.dropped,
            errors: stats.errors,
            p50: stats.latency.percentileMs(50),
            p90: stats.latency.percentileMs(90),
            p99: stats.latency.percentileMs(99),
          };
        },
      ),
    };
  }

  private secondOf(at: number): Second {
    const index = Math.max(0, Math.floor((at - this.startedAt) / 1_000));
    while (this.seconds.length <= index) this.seconds.push(new Second());
    return this.seconds[index]!;
  }
}
