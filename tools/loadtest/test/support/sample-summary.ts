import {
  type LatencySummary,
  type OperationsSummary,
  SUMMARY_SCHEMA_VERSION,
  type Summary,
  type TimelinePoint,
} from '../../src/report/summary';

/** Strings a hostile api or tenant could put in a summary; a report must show them as text. */
export const HOSTILE = {
  detail: 'ledger answered <script>alert(1)</script> for the transfer',
  tenantId: 'tenant-<img src=x onerror=alert(2)>',
  cause: 'https://meridian.dev/problems/<b>limit</b>-exceeded',
};

/** The sample's run lasts this many seconds, one timeline point each. */
export const SAMPLE_SECONDS = 30;

const latency = (p50: number, p90: number, p99: number, max: number, count: number): LatencySummary => ({
  count,
  min: Math.round(p50 * 30) / 100,
  mean: Math.round(((p50 + p90) / 2) * 10) / 10,
  p50,
  p90,
  p95: Math.round(((p90 + p99) / 2) * 10) / 10,
  p99,
  p999: Math.round(((p99 + max) / 2) * 10) / 10,
  max,
});

/**
 * A ramp to 400/s over 10 s, then a 20 s hold, with a burst of errors in
 * seconds 14-16. The wobble is arithmetic, not random, so every run of a test
 * sees the same numbers.
 */
function timeline(): TimelinePoint[] {
  return Array.from({ length: SAMPLE_SECONDS }, (_, second) => {
    const targetRate = second < 10 ? 40 * (second + 1) : 400;
    const errors = ({ 14: 3, 15: 7, 16: 2 } as Record<number, number>)[second] ?? 0;
    const slow = errors > 0 ? 4 : 1;
    return {
      second,
      targetRate,
      operations: targetRate + ((second * 37) % 11) - 5,
      errors,
      p50: 3 + (second % 4) / 10,
      p90: 9 + (second % 5) * slow,
      p99: 28 + (second % 7) * 2 * slow,
    };
  });
}

function operations(
  name: string,
  count: number,
  requestsEach: number,
  errors: Record<string, number>,
  lat: [number, number, number, number],
): OperationsSummary {
  const failed = Object.values(errors).reduce((sum, n) => sum + n, 0);
  const [p50, p90, p99, max] = lat;
  return {
    name,
    operations: count,
    requests: count * requestsEach,
    throughputPerSecond: Math.round((count / SAMPLE_SECONDS) * 10) / 10,
    latency: latency(p50, p90, p99, max, count),
    byStatusClass: {
      '2xx': latency(p50, p90 - 1, p99 - 4, max - 20, count - failed),
      ...(failed > 0 ? { '4xx': latency(p50 * 2, p90 * 2, p99 * 2, max, failed) } : {}),
    },
    errors,
    errorRate: count === 0 ? 0 : failed / count,
  };
}

/** A realistic, deterministic run summary; `empty` is a run that started nothing. */
export function sampleSummary(options: { empty?: boolean } = {}): Summary {
  const points = options.empty ? [] : timeline();
  const total = points.reduce((sum, point) => sum + point.operations, 0);
  const twoPhase = Math.round(total * 0.1);
  const replay = Math.round(total * 0.1);
  const scenarios = options.empty
    ? []
    : [
        operations(
          'transfer',
          total - twoPhase - replay,
          1,
          { [HOSTILE.cause]: 9, network: 1 },
          [3.1, 10, 41, 180],
        ),
        operations('two-phase', twoPhase, 2, { 'http-503': 2 }, [6.2, 18, 64, 210]),
        operations('idempotent-replay', replay, 2, {}, [2.4, 7, 22, 90]),
      ];
  const errors = { [HOSTILE.cause]: 9, network: 1, 'http-503': 2 };
  const totals = options.empty
    ? operations('all', 0, 1, {}, [0, 0, 0, 0])
    : operations('all', total, 1, errors, [3.2, 11, 43.6, 210]);
  if (options.empty) totals.byStatusClass = {};
  else totals.requests = scenarios.reduce((sum, s) => sum + s.requests, 0);
  const durationMs = options.empty ? 0 : SAMPLE_SECONDS * 1000;
  const startedAt = Date.UTC(2025, 4, 6, 9, 30, 0);
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(startedAt + durationMs).toISOString(),
    target: 'https://staging.meridian.example',
    seed: 42,
    model: {
      kind: 'open',
      stages: [
        { kind: 'ramp', durationMs: 10_000, rate: 400 },
        { kind: 'hold', durationMs: 20_000, rate: 400 },
      ],
      maxInFlight: 200,
    },
    mix: { transfer: 8, 'two-phase': 1, 'idempotent-replay': 1 },
    totals,
    scenarios,
    timeline: points,
    dropped: 0,
    thresholds: options.empty
      ? []
      : [
          {
            expression: 'transfer:p99<150ms',
            scenario: 'transfer',
            metric: 'p99',
            limit: 150,
            observed: 41,
            passed: true,
          },
          {
            expression: 'error_rate<0.1%',
            metric: 'error_rate',
            limit: 0.001,
            observed: 12 / total,
            passed: false,
          },
        ],
    search: options.empty
      ? undefined
      : {
          highestPassingRate: 400,
          steps: [
            { rate: 200, passed: true, p99: 30, errorRate: 0 },
            { rate: 400, passed: true, p99: 43.6, errorRate: 0.0004 },
            { rate: 800, passed: false, p99: 310, errorRate: 0.021 },
          ],
        },
    audit: options.empty
      ? {
          ran: false,
          passed: true,
          checked: { acknowledged: 0, refused: 0, inDoubt: 0, accounts: 0, currencies: 0, obligations: null },
          violations: [],
        }
      : {
          ran: true,
          passed: false,
          checked: {
            acknowledged: total - 12,
            refused: 12,
            inDoubt: 1,
            accounts: 64,
            currencies: 2,
            obligations: null,
          },
          violations: [
            {
              kind: 'acknowledged-missing',
              tenantId: HOSTILE.tenantId,
              transferId: 'tr_01HZX4Q7',
              accountId: 'acc_0007',
              currency: 'EUR',
              detail: HOSTILE.detail,
            },
          ],
        },
    // Every threshold held and the audit passed or did not run: true only for the run that did nothing.
    passed: options.empty === true,
  };
}
