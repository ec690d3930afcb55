/**
 * The check itself, on this repository: apps/api/openapi.json against the last
 * release's. What oasdiff found is written to the test's output (and so to the
 * CI log), passing or not.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCUMENT, oasdiff, ScratchRepository } from './support/scratch';

const REPO_ROOT = join(__dirname, '..', '..', '..');

const CLI = join(__dirname, '..', 'dist', 'cli.js');

describe("this repository's api", () => {
  it('breaks nothing of the last release without a new major version (or there is no release yet)', () => {
    oasdiff();
    const { status, stdout, stderr } = spawnSync(process.execPath, [CLI], {
      encoding: 'utf8',
      env: process.env,
    });
    process.stdout.write(`\n${stdout}${stderr}`);
    expect({ status, report: stdout + stderr }).toEqual({
      status: 0,
      report: expect.stringMatching(/^PASS: /m),
    });
  });

  it('has a document oasdiff can load, so the first release tag will be comparable: released, then checked against itself, it passes', () => {
    const scratch = new ScratchRepository();
    try {
      scratch
        .commit({ [DOCUMENT]: readFileSync(join(REPO_ROOT, DOCUMENT), 'utf8') }, 'release')
        .tag('v9.0.0');
      const { status, stdout, stderr } = spawnSync(process.execPath, [CLI, '--repository', scratch.path], {
        encoding: 'utf8',
        env: process.env,
      });
      expect({ status, report: stdout + stderr }).toEqual({
        status: 0,
        report: expect.stringMatching(/^PASS: /m),
      });
    } finally {
      scratch.remove();
    }
  });
});
