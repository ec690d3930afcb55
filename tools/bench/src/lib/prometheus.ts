/** Sum and count of one histogram series, read from a Prometheus text exposition. */
export interface HistogramTotals {
  sum: number;
  count: number;
}

/** Scrapes a service's /metrics (management port). */
export async function scrape(managementUrl: string): Promise<string> {
  const response = await fetch(`${managementUrl}/metrics`);
  if (!response.ok) throw new Error(`GET ${managementUrl}/metrics answered ${response.status}`);
  return response.text();
}

/**
 * The `_sum` and `_count` of a histogram per value of one label, e.g.
 * `ledger_posting_stage_seconds` by `stage`.
 */
export function histogramByLabel(
  exposition: string,
  name: string,
  label: string,
): Map<string, HistogramTotals> {
  const totals = new Map<string, HistogramTotals>();
  const series = new RegExp(`^${name}_(sum|count)\\{([^}]*)\\} ([0-9.eE+-]+)$`, 'gm');
  for (const [, kind, labels, value] of exposition.matchAll(series)) {
    const key = new RegExp(`${label}="([^"]*)"`).exec(labels!)?.[1];
    if (key === undefined) continue;
    const entry = totals.get(key) ?? { sum: 0, count: 0 };
    entry[kind as 'sum' | 'count'] += Number(value);
    totals.set(key, entry);
  }
  return totals;
}

/** What was observed between two scrapes: per label value, the mean in the histogram's unit and the count. */
export function histogramDelta(
  before: Map<string, HistogramTotals>,
  after: Map<string, HistogramTotals>,
): Map<string, { mean: number; count: number; sum: number }> {
  const delta = new Map<string, { mean: number; count: number; sum: number }>();
  for (const [key, end] of after) {
    const start = before.get(key) ?? { sum: 0, count: 0 };
    const count = end.count - start.count;
    const sum = end.sum - start.sum;
    delta.set(key, { count, sum, mean: count === 0 ? 0 : sum / count });
  }
  return delta;
}
