import type { OperationsSummary, ThresholdResult } from '../report/summary';

/**
 * Thresholds as SLOs, in k6's notation: `p99<150ms`, `p95<=0.2s`,
 * `error_rate<0.1%`, `throughput>=400/s`, optionally for one scenario:
 * `transfer:p99<100ms`. A run passes only if every one holds.
 */
export interface Threshold {
  expression: string;
  scenario?: string;
  metric: Metric;
  operator: '<' | '<=' | '>' | '>=';
  /** In the metric's unit: ms for latency, a share (0..1) for error_rate, per second for throughput. */
  limit: number;
}

const LATENCY = ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
type Metric = (typeof LATENCY)[number] | 'error_rate' | 'throughput';

const PATTERN = /^(?:([A-Za-z0-9_-]+):)?([a-z_0-9]+)\s*(<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|%|\/s)?$/;

export function parseThreshold(expression: string, scenarios: readonly string[]): Threshold {
  const match = PATTERN.exec(expression.trim());
  if (!match)
    throw new Error(
      `threshold "${expression}": expected [scenario:]metric<op>value, e.g. p99<150ms, error_rate<0.1%, transfer:p95<=80ms`,
    );
  const [, scenario, metric, operator, number, unit] = match;
  if (scenario !== undefined && !scenarios.includes(scenario))
    throw new Error(
      `threshold "${expression}": no scenario "${scenario}" in the mix (${scenarios.join(', ')})`,
    );
  const value = Number(number);
  let limit: number;
  if ((LATENCY as readonly string[]).includes(metric!)) {
    if (unit !== 'ms' && unit !== 's') throw new Error(`threshold "${expression}": a latency needs ms or s`);
    limit = unit === 's' ? value * 1_000 : value;
  } else if (metric === 'error_rate') {
    if (unit !== '%' && unit !== undefined)
      throw new Error(`threshold "${expression}": an error rate is a % or a share`);
    // Shifting the decimal point in the text gives the double nearest 0.7% (value / 100 would not).
    limit = unit === '%' ? Number(`${number}e-2`) : value;
  } else if (metric === 'throughput') {
    if (unit !== '/s' && unit !== undefined)
      throw new Error(`threshold "${expression}": a throughput is per second`);
    limit = value;
  } else
    throw new Error(
      `threshold "${expression}": unknown metric "${metric}" (${[...LATENCY, 'error_rate', 'throughput'].join(', ')})`,
    );
  return {
    expression: expression.trim(),
    ...(scenario === undefined ? {} : { scenario }),
    metric: metric as Metric,
    operator: operator as Threshold['operator'],
    limit,
  };
}

const observe = (metric: Metric, stats: OperationsSummary) =>
  metric === 'error_rate'
    ? stats.errorRate
    : metric === 'throughput'
      ? stats.throughputPerSecond
      : stats.latency[metric];

const holds = (operator: Threshold['operator'], observed: number, limit: number) =>
  operator === '<'
    ? observed < limit
    : operator === '<='
      ? observed <= limit
      : operator === '>'
        ? observed > limit
        : observed >= limit;

/** Each threshold against the run's totals or its scenario's; a scenario that never ran fails its thresholds. */
export function evaluateThresholds(
  thresholds: readonly Threshold[],
  totals: OperationsSummary,
  scenarios: readonly OperationsSummary[],
): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const stats =
      threshold.scenario === undefined ? totals : scenarios.find((s) => s.name === threshold.scenario);
    const observed = stats && stats.operations > 0 ? observe(threshold.metric, stats) : Number.NaN;
    return {
      expression: threshold.expression,
      ...(threshold.scenario === undefined ? {} : { scenario: threshold.scenario }),
      metric: threshold.metric,
      limit: threshold.limit,
      observed: Number.isNaN(observed) ? 0 : observed,
      passed: !Number.isNaN(observed) && holds(threshold.operator, observed, threshold.limit),
    };
  });
}
