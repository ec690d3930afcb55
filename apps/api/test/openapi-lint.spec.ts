import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The locally installed Redocly CLI, run by this Node: nothing is fetched, no telemetry is sent. */
const REDOCLY = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const CONFIG = join(__dirname, '..', 'redocly.yaml');
const DOCUMENT = join(__dirname, '..', 'openapi.json');

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string }[];
}

function lint(file: string): { code: number | null; report: LintReport } {
  const run = spawnSync(process.execPath, [REDOCLY, 'lint', file, '--config', CONFIG, '--format', 'json'], {
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 120_000,
  });
  const json = run.stdout.slice(run.stdout.indexOf('{'));
  return { code: run.status, report: JSON.parse(json) as LintReport };
}

describe('the OpenAPI document under Redocly CLI (ruleset: apps/api/redocly.yaml)', () => {
  it('has no error and no warning', () => {
    const { code, report } = lint(DOCUMENT);
    expect(report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(code).toBe(0);
  });

  it('fails a copy of it with a reference that does not resolve (the check can fail)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
    try {
      const document = JSON.parse(readFileSync(DOCUMENT, 'utf8'));
      document.paths['/v1/accounts/{id}'].get.responses['200'].content['application/json'].schema = {
        $ref: '#/$defs/Account',
      };
      const file = join(scratch, 'openapi.json');
      writeFileSync(file, JSON.stringify(document, null, 2));
      const { code, report } = lint(file);
      expect(code).not.toBe(0);
      expect(report.problems).toContainEqual(
        expect.objectContaining({ ruleId: 'no-unresolved-refs', severity: 'error' }),
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
