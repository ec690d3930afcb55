import type { Summary } from './summary';

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const percent = (share: number) => `${(share * 100).toFixed(3)}%`;
const observed = (metric: string, value: number) =>
  metric === 'error_rate' ? percent(value) : metric === 'throughput' ? `${value}/s` : ms(value);

/** The end-of-run summary on the terminal: what held, what did not, and the audit's verdict. */
export function formatSummary(summary: Summary): string {
  const lines: string[] = [];
  const { totals } = summary;
  lines.push(
    `${summary.passed ? 'PASSED' : 'FAILED'}  ${summary.target}  seed ${summary.seed}`,
    `  ${totals.operations} operations (${totals.requests} requests), ${totals.throughputPerSecond}/s, p50 ${ms(totals.latency.p50)}, p99 ${ms(totals.latency.p99)}, max ${ms(totals.latency.max)}, errors ${percent(totals.errorRate)}${summary.dropped ? `, ${summary.dropped} dropped` : ''}`,
  );
  for (const scenario of summary.scenarios)
    lines.push(
      `  ${scenario.name.padEnd(14)} ${String(scenario.operations).padStart(8)} ops  p50 ${ms(scenario.latency.p50).padStart(9)}  p99 ${ms(scenario.latency.p99).padStart(9)}  errors ${percent(scenario.errorRate)}${
        Object.keys(scenario.errors).length
          ? `  ${Object.entries(scenario.errors)
              .map(([cause, n]) => `${cause}: ${n}`)
              .join(', ')}`
          : ''
      }`,
    );
  if (summary.search)
    lines.push(
      `  search: highest rate meeting the thresholds ${summary.search.highestPassingRate ?? 'none'}/s (${summary.search.steps.map((s) => `${s.rate}${s.passed ? '✓' : '✗'}`).join(' ')})`,
    );
  for (const threshold of summary.thresholds)
    lines.push(
      `  ${threshold.passed ? '✓' : '✗'} ${threshold.expression} (observed ${observed(threshold.metric, threshold.observed)})`,
    );
  const { audit } = summary;
  if (!audit.ran) lines.push('  audit: not run');
  else {
    lines.push(
      `  audit: ${audit.passed ? 'passed' : `${audit.violations.length} violations`} (${audit.checked.acknowledged} acknowledged, ${audit.checked.refused} refused, ${audit.checked.inDoubt} in doubt, ${audit.checked.accounts} accounts, ${audit.checked.currencies} currencies)`,
    );
    for (const violation of audit.violations.slice(0, 20))
      lines.push(
        `    ${violation.kind} ${[violation.tenantId, violation.transferId ?? violation.accountId, violation.currency].filter(Boolean).join(' ')}: ${violation.detail}`,
      );
    if (audit.violations.length > 20)
      lines.push(`    ... ${audit.violations.length - 20} more in summary.json`);
  }
  return lines.join('\n');
}
