import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/** One table of a benchmark's results: the header, then one row per run. */
export interface ResultTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

/**
 * What every benchmark prints last: one JSON line (`{"bench": ...}`) holding
 * its tables, so that runs can be compared across commits and `./meridian
 * bench` can write docs/benchmarks.md from them.
 */
export interface BenchReport {
  bench: string;
  date: string;
  machine: string;
  commit: string | null;
  tables: ResultTable[];
  /** Goals and caveats printed under the tables. */
  notes: string[];
}

export function machine(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function markdownTable(table: ResultTable): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
  const line = (row: (string | number)[]) =>
    `| ${row.map((cell, i) => String(cell).padEnd(widths[i]!)).join(' | ')} |`;
  return [
    `**${table.title}**`,
    '',
    line(table.columns),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...table.rows.map(line),
  ].join('\n');
}

/** The commit being measured (short sha, marked when the tree has uncommitted changes); null outside git. */
export function currentCommit(): string | null {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: __dirname, encoding: 'utf8' }).trim();
  try {
    const sha = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain') === '' ? sha : `${sha} (with uncommitted changes)`;
  } catch {
    return null;
  }
}

/** Prints the tables for people, then the JSON line for tools. */
export function printReport(report: Omit<BenchReport, 'date' | 'machine' | 'commit'>): void {
  const full: BenchReport = {
    ...report,
    date: new Date().toISOString(),
    machine: machine(),
    commit: currentCommit(),
  };
  const text = [
    '',
    ...full.tables.flatMap((table) => [markdownTable(table), '']),
    ...full.notes,
    '',
    JSON.stringify(full),
  ];
  process.stdout.write(`${text.join('\n')}\n`);
}

/** Finds the report line in a benchmark's output. */
export function parseReport(output: string): BenchReport | undefined {
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"bench":'));
  return line === undefined ? undefined : (JSON.parse(line) as BenchReport);
}

export const fixed = (value: number, digits = 0) => value.toFixed(digits);
export const ms = (value: number, digits = 1) => `${value.toFixed(digits)} ms`;
export const ratio = (value: number) => `${value.toFixed(2)}x`;
