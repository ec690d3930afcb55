import type { ChaosResult } from './chaos-run';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The chaos table, in Markdown: one row per fault, then the final audit. */
export function chaosTable(result: ChaosResult, header: string): string {
  const rows = result.faults.map((f) =>
    [
      f.fault,
      String(f.operations),
      String(f.firstAttemptFailures),
      String(f.failuresAfterRetries),
      `${Math.round(f.p99Ms)} ms`,
      seconds(f.recoveryMs),
      seconds(f.faultMs),
      f.sigtermExits.length === 0 ? '-' : f.sigtermExits.join(', '),
      f.audit.passed ? 'passed' : `${f.audit.violations.length} violations`,
    ].join(' | '),
  );
  const audit = result.finalAudit;
  return [
    header,
    '',
    '| fault | operations from its start | failed at first attempt | failed after retries | p99 during it | time to recover | fault took | SIGTERM exits | audit |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
    '',
    `Final audit (${audit.checked.acknowledged} acknowledged transfers, ${audit.checked.inDoubt} resolved from doubt, ` +
      `${audit.checked.obligations ?? 'no'} settlement obligations): ${audit.passed ? 'passed' : 'FAILED'}.`,
    ...audit.violations.slice(0, 20).map((v) => `- ${v.kind}: ${v.detail}`),
    ...result.faults
      .filter((f) => Object.keys(f.firstFailureReasons).length > 0)
      .map(
        (f) =>
          `- first attempts that failed during ${f.fault}: ${Object.entries(f.firstFailureReasons)
            .map(([reason, count]) => `${count} × ${reason.trim()}`)
            .join(', ')}`,
      ),
    ...result.faults
      .filter((f) => Object.keys(f.finalFailureReasons).length > 0)
      .map(
        (f) =>
          `- operations still failing after their retries during ${f.fault}: ${Object.entries(
            f.finalFailureReasons,
          )
            .map(([reason, count]) => `${count} × ${reason.trim()}`)
            .join(', ')}`,
      ),
    ...result.faults.flatMap((f) =>
      f.audit.violations.slice(0, 5).map((v) => `- after ${f.fault}: ${v.kind}: ${v.detail}`),
    ),
  ].join('\n');
}
