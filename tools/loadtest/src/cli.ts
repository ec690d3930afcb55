#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseOptions, UsageError, USAGE } from './options';
import { renderHtmlReport } from './report/html';
import { createProgressReporter } from './report/progress';
import { formatSummary } from './report/text';
import { runLoadTest } from './run';

/** Exit codes a pipeline can gate on. */
export const EXIT = { passed: 0, thresholds: 1, audit: 2, usage: 64, unavailable: 69, internal: 70 } as const;

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.passed;
  }
  const progress = createProgressReporter(process.stderr, options.progress);
  // The first Ctrl-C (or SIGTERM, a Job's deadline) ends the load; the audit, cleanup and reports still
  // run on what was sent. A second one stops at once.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    process.stderr.write(`\nloadtest: ${signal}: stopping the load, then auditing what was sent\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const warn = (message: string) => process.stderr.write(`loadtest: ${message}\n`);
  let summary;
  try {
    summary = await runLoadTest({ ...options.run, progress, warn, signal: stop.signal });
  } catch (error) {
    progress.finish();
    process.stderr.write(`loadtest: ${(error as Error).message}\n`);
    return EXIT.unavailable;
  }
  progress.finish();
  const dir = resolve(options.reportDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, 'report.html'), renderHtmlReport(summary));
  process.stdout.write(
    `${formatSummary(summary)}\nreports: ${join(dir, 'summary.json')}, ${join(dir, 'report.html')}\n`,
  );
  if (!summary.audit.passed) return EXIT.audit;
  return summary.passed ? EXIT.passed : EXIT.thresholds;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`loadtest: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.internal;
  },
);
