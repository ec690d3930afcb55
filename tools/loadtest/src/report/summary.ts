/**
 * The JSON summary a run writes (`summary.json`) and the HTML report is drawn
 * from. Its shape is a contract with the pipelines that read it: a field is
 * only ever added; removing or changing one raises SUMMARY_SCHEMA_VERSION.
 * Times are milliseconds, rates per second, shares 0..1.
 */
export const SUMMARY_SCHEMA_VERSION = 1;

/** Latency, measured from when the request was scheduled (not sent), in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** The class of an answer: its status family, or `network` when none came. */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'network';

export interface OperationsSummary {
  /** A scenario's name, or `all`. */
  name: string;
  /** Operations completed (one scenario run is one operation, whatever its request count). */
  operations: number;
  /** HTTP requests those operations sent. */
  requests: number;
  /** Operations that succeeded, per second of the run. */
  throughputPerSecond: number;
  /** Of the operations that were started (an arrival dropped at maxInFlight has none). */
  latency: LatencySummary;
  byStatusClass: Partial<Record<StatusClass, LatencySummary>>;
  /** Failed operations by cause: a problem type URI, `http-<status>` without one, or `network`. */
  errors: Record<string, number>;
  /** Failed operations / operations (an expected refusal, such as a deliberate replay's, is not a failure). */
  errorRate: number;
}

/** One second of the run. */
export interface TimelinePoint {
  /** Seconds since the start. */
  second: number;
  /** The arrival rate the model asked for in this second (open model), or null (closed). */
  targetRate: number | null;
  operations: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
}

export interface ThresholdResult {
  /** As given, e.g. `transfer:p99<150ms`. */
  expression: string;
  /** The scenario it applies to; absent for the whole run. */
  scenario?: string;
  metric: string;
  /** The limit and the observed value, in the metric's unit (ms, share or per second). */
  limit: number;
  observed: number;
  passed: boolean;
}

export interface AuditViolation {
  /** What was broken, e.g. `acknowledged-missing`, `refused-exists`, `balance-mismatch`, `not-conserved`. */
  kind: string;
  tenantId?: string;
  transferId?: string;
  accountId?: string;
  currency?: string;
  detail: string;
}

export interface AuditSummary {
  /** False when the run was told not to audit (`--no-audit`). */
  ran: boolean;
  passed: boolean;
  checked: {
    acknowledged: number;
    refused: number;
    inDoubt: number;
    accounts: number;
    currencies: number;
    obligations: number | null;
  };
  violations: AuditViolation[];
}

export interface Stage {
  kind: 'ramp' | 'hold' | 'spike';
  durationMs: number;
  /** The arrival rate at the end of the stage (ramp: reached linearly; hold and spike: for the whole stage). */
  rate: number;
}

export type ModelSummary =
  | { kind: 'open'; stages: Stage[]; maxInFlight: number }
  | { kind: 'closed'; virtualUsers: number; durationMs: number };

export interface SearchStep {
  rate: number;
  passed: boolean;
  p99: number;
  errorRate: number;
}

export interface Summary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  startedAt: string;
  finishedAt: string;
  /** The api's base URL (never a credential). */
  target: string;
  seed: number;
  model: ModelSummary;
  /** Scenario weights as given. */
  mix: Record<string, number>;
  totals: OperationsSummary;
  scenarios: OperationsSummary[];
  timeline: TimelinePoint[];
  /** Operations the open model could not start because `maxInFlight` were already waiting (counted as errors). */
  dropped: number;
  thresholds: ThresholdResult[];
  /** Search mode: each rate tried and the highest that met every threshold. */
  search?: { highestPassingRate: number | null; steps: SearchStep[] };
  audit: AuditSummary;
  /** Every threshold held and the audit passed (or did not run). */
  passed: boolean;
}
