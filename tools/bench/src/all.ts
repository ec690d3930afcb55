import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BenchReport, currentCommit, markdownTable, machine, parseReport } from './lib/report';

/**
 * `./meridian bench`: every benchmark, one after another (never two at once:
 * they share the machine they measure), then docs/benchmarks.md rewritten
 * from their JSON lines with the date, the machine and the commit. ONLY
 * (comma-separated: ledger, api, settlement, partitions, startup) runs a subset and
 * leaves the document alone.
 */

const ROOT = resolve(__dirname, '../../..');
const BENCHES: Record<string, string> = {
  ledger: 'tools/bench/dist/ledger.js',
  api: 'tools/bench/dist/api.js',
  settlement: 'tools/bench/dist/settlement.js',
  partitions: 'tools/bench/dist/partitions.js',
  startup: 'tools/stack/dist/measure-startup.js',
};

function run(name: string, script: string): Promise<BenchReport> {
  return new Promise((done, fail) => {
    process.stdout.write(`\n=== ${name}\n`);
    const child = spawn(process.execPath, [join(ROOT, script)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('exit', (code) => {
      const report = parseReport(output);
      if (code === 0 && report) done(report);
      else fail(new Error(`${name} exited ${code}${report ? '' : ' without a report line'}`));
    });
  });
}

function document(reports: BenchReport[], sha: string | null): string {
  return [
    '# Benchmarks',
    '',
    'Written by `./meridian bench` (tools/bench/src/all.ts); do not edit by hand. Each benchmark runs our code',
    'beside its physical baseline on the same machine and prints the ratio: absolute figures move with the',
    'machine, the ratios much less. Every benchmark also prints one JSON line, to compare runs across commits.',
    '',
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    `- Machine: ${machine()}`,
    `- Commit: ${sha ?? 'unknown'}`,
    '',
    ...reports.flatMap((report) => [
      `## ${report.bench}`,
      '',
      ...report.tables.flatMap((table) => [markdownTable(table), '']),
      ...report.notes.flatMap((note) => [note, '']),
    ]),
  ].join('\n');
}

async function main(): Promise<void> {
  const only = process.env.ONLY?.split(',');
  const sha = currentCommit();
  const reports: BenchReport[] = [];
  for (const [name, script] of Object.entries(BENCHES)) {
    if (only && !only.includes(name)) continue;
    reports.push(await run(name, script));
  }
  if (only) return;
  const path = join(ROOT, 'docs/benchmarks.md');
  writeFileSync(path, document(reports, sha));
  process.stdout.write(`\nwrote ${path}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
