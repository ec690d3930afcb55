import { createHash } from 'node:crypto';
import type {
  AuditSummary,
  LatencySummary,
  ModelSummary,
  OperationsSummary,
  Summary,
  ThresholdResult,
} from './summary';

/*
 * The HTML report: one file that opens anywhere (a CI artifact, an email
 * attachment) and loads nothing. Plots are SVG drawn here, so the page needs no
 * script at all; its policy forbids every fetch and every script, and allows
 * only the one style block below, by hash. Every string from the summary is
 * escaped, and every number goes through num(), because a summary.json read
 * back from disk is only as trustworthy as whoever wrote it.
 */

const CSS = `
:root{color-scheme:light;font:14px/1.45 system-ui,sans-serif;color:#1f2933;background:#fff}
body{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d9dee4}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:700;color:#fff}
.verdict.pass{background:#1a7f37}.verdict.fail{background:#c62828}.muted{color:#61707f}
td.pass{color:#1a7f37;font-weight:700}td.fail{color:#c62828;font-weight:700}
dl.headline{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:16px 0;align-items:start}
dl.headline div{border:1px solid #d9dee4;border-radius:6px;padding:8px 10px}
dt{font-size:12px;color:#61707f}dd{margin:0;font-size:17px;font-weight:600;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e6e9ed;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap}td{overflow-wrap:anywhere}tr.best td{font-weight:700}
svg{width:100%;height:auto;display:block}svg text{font-size:11px;fill:#52606d}
.grid{stroke:#e6e9ed}.axis{stroke:#9aa5b1}
polyline{fill:none;stroke-width:1.6;stroke-linejoin:round}
.s-throughput{stroke:#2563eb;background:#2563eb}.s-target{stroke:#7b8794;background:#7b8794;stroke-dasharray:5 4}
.s-errors{stroke:#c62828;background:#c62828}.s-p50{stroke:#1a7f37;background:#1a7f37}
.s-p90{stroke:#d97706;background:#d97706}.s-p99{stroke:#9333ea;background:#9333ea}
ul.legend{list-style:none;padding:0;margin:4px 0 0;display:flex;gap:16px}
.swatch{display:inline-block;width:14px;height:3px;margin:0 6px 3px 0;vertical-align:middle}
`;

const STYLE_HASH = createHash('sha256').update(CSS).digest('base64');
const POLICY = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'`;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** A number from the summary, or NaN; formatting shows NaN as a dash, never as "NaN". */
const num = (value: unknown): number => (typeof value === 'number' ? value : NaN);
const DASH = '–';
const grouped = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const formatCount = (value: unknown) => (Number.isFinite(num(value)) ? grouped(num(value)) : DASH);
function formatMs(value: unknown): string {
  const n = num(value);
  if (!Number.isFinite(n)) return DASH;
  return `${n < 10 ? n.toFixed(1) : grouped(n)} ms`;
}
/** Whole rates (the ones a model asks for) read as `400/s`, measured ones as `339.8/s`. */
function formatRate(value: unknown): string {
  const n = num(value);
  if (!Number.isFinite(n)) return DASH;
  return `${Number.isInteger(n) ? grouped(n) : n.toFixed(1)}/s`;
}
const formatShare = (value: unknown) =>
  Number.isFinite(num(value)) ? `${(num(value) * 100).toFixed(2)}%` : DASH;

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return DASH;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** The metric's unit decides how a threshold's numbers read (ms, share, or per second). */
function formatMetric(metric: string, value: unknown): string {
  if (/error|fail|share|drop/i.test(metric)) return formatShare(value);
  if (/^(p\d+|max|min|mean|avg|median|latency)/i.test(metric)) return formatMs(value);
  if (/throughput|rate|rps|per.?s/i.test(metric)) return formatRate(value);
  return Number.isFinite(num(value)) ? String(num(value)) : DASH;
}

function describeModel(model: ModelSummary): string {
  if (model.kind === 'closed')
    return `closed: ${formatCount(model.virtualUsers)} virtual users for ${formatDuration(num(model.durationMs))}`;
  const stages = (model.stages ?? []).map(
    (s) => `${s.kind} ${formatDuration(num(s.durationMs))} → ${formatRate(s.rate)}`,
  );
  return `open: ${stages.join(', ') || 'no stages'}; at most ${formatCount(model.maxInFlight)} in flight`;
}

// ---- plots --------------------------------------------------------------

interface Series {
  name: string;
  label: string;
  points: Array<[x: number, y: number]>;
}

const W = 760;
const H = 260;
const M = { left: 64, right: 16, top: 14, bottom: 36 };

/** A round step (1, 2 or 5 times a power of ten) giving about `count` intervals over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((f) => f * power >= raw) ?? 10) * power;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function renderPlot(title: string, yLabel: string, series: Series[], formatY: (n: number) => string): string {
  // reduce, not Math.max(...xs): a day-long soak has more points than a call takes arguments.
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const yMax = series.reduce((m, s) => s.points.reduce((n, [, y]) => Math.max(n, y), m), 0);
  const x0 = xs.reduce((m, x) => Math.min(m, x), xs[0] ?? 0);
  const xSpan = Math.max(1, xs.reduce((m, x) => Math.max(m, x), x0) - x0);
  const yStep = niceStep(yMax, 4);
  const yTop = Math.max(yStep, Math.ceil(yMax / yStep) * yStep);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const px = (x: number) => round1(M.left + ((x - x0) / xSpan) * plotW);
  const py = (y: number) => round1(M.top + plotH - (y / yTop) * plotH);

  const parts: string[] = [];
  for (let i = 0; i * yStep <= yTop + yStep / 2; i++) {
    const y = Number((i * yStep).toPrecision(10)); // 3 × 0.1 is 0.30000000000000004
    parts.push(
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}"/>`,
      `<text x="${M.left - 6}" y="${py(y) + 4}" text-anchor="end">${escapeHtml(formatY(y))}</text>`,
    );
  }
  const xStep = Math.max(1, niceStep(xSpan, 6));
  for (let x = Math.ceil(x0 / xStep) * xStep; x <= x0 + xSpan; x += xStep) {
    parts.push(`<text x="${px(x)}" y="${H - M.bottom + 16}" text-anchor="middle">${x} s</text>`);
  }
  parts.push(
    `<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}"/>`,
    `<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/>`,
    `<text x="${M.left + plotW / 2}" y="${H - 4}" text-anchor="middle">seconds since start</text>`,
    `<text transform="translate(14 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
  );
  if (xs.length === 0)
    parts.push(
      `<text x="${M.left + plotW / 2}" y="${M.top + plotH / 2}" text-anchor="middle">no data</text>`,
    );
  for (const s of series) {
    const points = s.points.map(([x, y]) => `${px(x)},${py(y)}`).join(' ');
    parts.push(
      `<polyline class="s-${s.name}" data-series="${s.name}" data-points="${s.points.length}" points="${points}"/>`,
    );
  }
  const legend = series
    .map((s) => `<li><span class="swatch s-${s.name}"></span>${escapeHtml(s.label)}</li>`)
    .join('');
  return `<figure data-plot="${escapeHtml(title)}"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>${parts.join('')}</svg><ul class="legend">${legend}</ul></figure>`;
}

/** Points whose x and y are real numbers; a gap in the data is left out rather than drawn at zero. */
function finitePoints<T>(rows: T[], x: (row: T) => unknown, y: (row: T) => unknown): Array<[number, number]> {
  return rows
    .map((row): [number, number] => [num(x(row)), num(y(row))])
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
}

function renderPlots(summary: Summary): string {
  const timeline = Array.isArray(summary.timeline) ? summary.timeline : [];
  const second = (p: { second: number }) => p.second;
  const throughput: Series[] = [
    {
      name: 'throughput',
      label: 'operations/s',
      points: finitePoints(timeline, second, (p) => p.operations),
    },
  ];
  const target = finitePoints(
    timeline.filter((p) => p.targetRate !== null),
    second,
    (p) => p.targetRate,
  );
  if (target.length > 0) throughput.push({ name: 'target', label: 'target rate/s', points: target });
  throughput.push({
    name: 'errors',
    label: 'errors/s',
    points: finitePoints(timeline, second, (p) => p.errors),
  });
  const latency: Series[] = (['p50', 'p90', 'p99'] as const).map((key) => ({
    name: key,
    label: key,
    points: finitePoints(timeline, second, (p) => p[key]),
  }));
  return (
    `<h2>Throughput over time</h2>${renderPlot('Throughput over time', 'operations per second', throughput, (n) => grouped(n))}` +
    `<h2>Latency over time</h2>${renderPlot('Latency percentiles over time', 'latency (ms)', latency, (n) => `${n} ms`)}`
  );
}

// ---- tables -------------------------------------------------------------

const cell = (value: string, numeric = false) => `<td${numeric ? ' class="n"' : ''}>${value}</td>`;
const verdict = (passed: boolean) =>
  passed ? '<td class="pass">passed</td>' : '<td class="fail">failed</td>';

/** Numeric columns (index `from` up to, not including, `to`) are right-aligned, headers like cells. */
function table(headers: string[], rows: string[], [from, to]: [number, number]): string {
  const head = headers
    .map((h, i) => `<th${i >= from && i < to ? ' class="n"' : ''}>${escapeHtml(h)}</th>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function formatErrors(errors: Record<string, number> | undefined): string {
  const entries = Object.entries(errors ?? {}).sort(([, a], [, b]) => num(b) - num(a));
  if (entries.length === 0) return '<span class="muted">none</span>';
  return entries.map(([cause, n]) => `${escapeHtml(cause)}: ${formatCount(n)}`).join('<br>');
}

function renderScenarios(summary: Summary): string {
  const all = [...(summary.scenarios ?? []), summary.totals];
  const rows = all.map(
    (s: OperationsSummary) =>
      `<tr data-scenario="${escapeHtml(s.name)}">${cell(escapeHtml(s.name))}${[
        formatCount(s.operations),
        formatCount(s.requests),
        formatRate(s.throughputPerSecond),
        formatMs(s.latency?.p50),
        formatMs(s.latency?.p90),
        formatMs(s.latency?.p99),
        formatMs(s.latency?.max),
        formatShare(s.errorRate),
      ]
        .map((v) => cell(v, true))
        .join('')}${cell(formatErrors(s.errors))}</tr>`,
  );
  const headers = [
    'scenario',
    'operations',
    'requests',
    'throughput',
    'p50',
    'p90',
    'p99',
    'max',
    'error rate',
  ];
  return `<h2>Scenarios</h2>${table([...headers, 'errors by cause'], rows, [1, headers.length])}`;
}

function renderStatusClasses(summary: Summary): string {
  const rows = [...(summary.scenarios ?? []), summary.totals].flatMap((s) =>
    Object.entries(s.byStatusClass ?? {}).map(([status, l]: [string, LatencySummary | undefined]) =>
      [
        `<tr>${cell(escapeHtml(s.name))}${cell(escapeHtml(status))}`,
        ...[
          formatCount(l?.count),
          formatMs(l?.p50),
          formatMs(l?.p90),
          formatMs(l?.p99),
          formatMs(l?.max),
        ].map((v) => cell(v, true)),
        '</tr>',
      ].join(''),
    ),
  );
  if (rows.length === 0) return '<h2>Latency by status class</h2><p class="muted">No answers recorded.</p>';
  return `<h2>Latency by status class</h2>${table(['scenario', 'status', 'count', 'p50', 'p90', 'p99', 'max'], rows, [2, 7])}`;
}

function renderThresholds(thresholds: ThresholdResult[]): string {
  if (thresholds.length === 0) return '<h2>Thresholds</h2><p class="muted">None were set.</p>';
  const rows = thresholds.map(
    (t) =>
      `<tr data-threshold="${escapeHtml(t.expression)}" data-passed="${t.passed === true}">${cell(escapeHtml(t.expression))}${cell(
        t.scenario === undefined ? 'whole run' : escapeHtml(t.scenario),
      )}${cell(formatMetric(String(t.metric), t.observed), true)}${cell(formatMetric(String(t.metric), t.limit), true)}${verdict(t.passed === true)}</tr>`,
  );
  return `<h2>Thresholds</h2>${table(['expression', 'applies to', 'observed', 'limit', 'result'], rows, [2, 4])}`;
}

function renderSearch(search: Summary['search']): string {
  if (!search) return '';
  const best = search.highestPassingRate;
  const rows = (search.steps ?? []).map(
    (s) =>
      `<tr${s.rate === best ? ' class="best"' : ''}>${cell(formatRate(s.rate))}${cell(formatMs(s.p99), true)}${cell(
        formatShare(s.errorRate),
        true,
      )}${verdict(s.passed === true)}</tr>`,
  );
  const headline =
    best === null
      ? 'No rate tried met every threshold.'
      : `Highest rate that met every threshold: <strong data-metric="highest-passing-rate">${formatRate(best)}</strong>`;
  return `<h2>Search</h2><p>${headline}</p>${table(['rate', 'p99', 'error rate', 'result'], rows, [1, 3])}`;
}

function renderAudit(audit: AuditSummary): string {
  if (!audit?.ran) return '<h2>Audit</h2><p data-audit="not-run">Audit not run.</p>';
  const c = audit.checked;
  const checked: Array<[string, unknown]> = [
    ['acknowledged transfers', c.acknowledged],
    ['refused transfers', c.refused],
    ['in doubt', c.inDoubt],
    ['accounts', c.accounts],
    ['currencies', c.currencies],
    ['obligations', c.obligations],
  ];
  const counts = checked
    .map(
      ([label, n]) => `<div><dt>${label}</dt><dd>${n === null ? 'not checked' : formatCount(n)}</dd></div>`,
    )
    .join('');
  const fields = ['kind', 'tenantId', 'transferId', 'accountId', 'currency', 'detail'] as const;
  const violations = audit.violations ?? [];
  const list =
    violations.length === 0
      ? '<p>No violations.</p>'
      : table(
          ['kind', 'tenant', 'transfer', 'account', 'currency', 'detail'],
          violations.map(
            (v) =>
              `<tr data-violation>${fields.map((f) => cell(v[f] === undefined ? '' : escapeHtml(v[f]))).join('')}</tr>`,
          ),
          [0, 0],
        );
  return `<h2>Audit: ${audit.passed ? 'passed' : `failed, ${formatCount(violations.length)} violation(s)`}</h2><dl class="headline">${counts}</dl>${list}`;
}

// ---- the page -------------------------------------------------------------

export function renderHtmlReport(summary: Summary): string {
  const durationMs = Date.parse(summary.finishedAt) - Date.parse(summary.startedAt);
  const duration = Number.isFinite(durationMs)
    ? formatDuration(durationMs)
    : formatDuration((summary.timeline?.length ?? 0) * 1000);
  const audit = !summary.audit?.ran ? 'not run' : summary.audit.passed ? 'passed' : 'failed';
  const status = summary.passed === true ? 'PASSED' : 'FAILED';
  const headline: Array<[key: string, label: string, value: string]> = [
    ['duration', 'duration', duration],
    ['operations', 'operations', formatCount(summary.totals.operations)],
    ['throughput', 'throughput', formatRate(summary.totals.throughputPerSecond)],
    ['p50', 'p50', formatMs(summary.totals.latency?.p50)],
    ['p99', 'p99', formatMs(summary.totals.latency?.p99)],
    ['error-rate', 'error rate', formatShare(summary.totals.errorRate)],
    ['dropped', 'dropped (in-flight limit)', formatCount(summary.dropped)],
    ['audit', 'audit', audit],
    ['seed', 'seed', formatCount(summary.seed)],
  ];
  const cards = headline
    .map(([key, label, value]) => `<div><dt>${label}</dt><dd data-metric="${key}">${value}</dd></div>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Load test ${status}: ${escapeHtml(summary.target)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>Load test <span class="verdict ${summary.passed === true ? 'pass' : 'fail'}" data-metric="verdict">${status}</span></h1>
<p><span data-metric="target">${escapeHtml(summary.target)}</span>, ${escapeHtml(summary.startedAt)} to ${escapeHtml(summary.finishedAt)}<br>
<span class="muted">model</span> <span data-metric="model">${escapeHtml(describeModel(summary.model))}</span></p>
<dl class="headline">${cards}</dl>
${renderPlots(summary)}
${renderScenarios(summary)}
${renderStatusClasses(summary)}
${renderThresholds(summary.thresholds ?? [])}
${renderSearch(summary.search)}
${renderAudit(summary.audit)}
</body>
</html>
`;
}
