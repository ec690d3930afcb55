import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const REPO = join(__dirname, '..', '..', '..');
const CONFIG = '../../.dependency-cruiser.cjs';
/** What every app's `npm run lint` runs, from the app's folder, after ESLint. */
const LINT_STEP = `depcruise src --config ${CONFIG}`;
const DEPCRUISE = join(REPO, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

const depcruise = (appDir: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, ...args], {
    cwd: appDir,
    maxBuffer: 64 * 1024 * 1024,
  });

/** Runs the lint step in an app's folder, as `npm run lint` does: whether it passed (exit code 0). */
const lintPasses = (appDir: string): Promise<boolean> =>
  depcruise(appDir).then(
    () => true,
    (error: { code?: unknown }) => {
      // A positive exit code counts the errors found; anything else is a failure of the tool itself.
      if (typeof error.code !== 'number') throw error;
      return false;
    },
  );

/** What the rules report for an app's folder. */
async function violationsIn(appDir: string): Promise<Violation[]> {
  const { stdout } = await depcruise(appDir, '--output-type', 'json');
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const apps = readdirSync(join(REPO, 'apps'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

describe('the layering rules', () => {
  it('cover every app: its lint script runs them', () => {
    expect(apps.length).toBeGreaterThanOrEqual(3);
    for (const app of apps) {
      const { scripts } = JSON.parse(readFileSync(join(REPO, 'apps', app, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      expect({ app, lint: scripts.lint }).toEqual({ app, lint: expect.stringContaining(LINT_STEP) });
    }
  });

  it.each(apps)('hold in apps/%s', async (app) => {
    const dir = join(REPO, 'apps', app);
    expect(await violationsIn(dir)).toEqual([]);
    expect(await lintPasses(dir)).toBe(true);
  });

  describe('in a scratch copy of the ledger with one violating import per rule', () => {
    /** Each file added to the copy, and the rule its import breaks (a cycle is reported once, at one of its files). */
    const violations: Record<string, { source: string; rule: string }> = {
      'src/domain/uses-a-framework.ts': {
        source: "import { Injectable } from '@nestjs/common';\nexport const marker = Injectable;\n",
        rule: 'domain-is-pure',
      },
      'src/domain/uses-a-prisma-type.ts': {
        // A type-only import couples the domain to Prisma as much as a value does.
        source: "import type { Account } from '../generated/prisma/client';\nexport type Row = Account;\n",
        rule: 'domain-is-pure',
      },
      'src/domain/uses-application.ts': {
        source:
          "import { PostingService } from '../application/posting.service';\nexport const marker = PostingService;\n",
        rule: 'domain-is-pure',
      },
      'src/domain/uses-configuration.ts': {
        source: "import { loadConfig } from '@meridian/config';\nexport const marker = loadConfig;\n",
        rule: 'domain-uses-no-service-package',
      },
      'src/application/uses-persistence.ts': {
        source:
          "import { PrismaService } from '../infrastructure/persistence/prisma.service';\nexport const marker = PrismaService;\n",
        rule: 'application-depends-inward',
      },
      'src/application/uses-a-queue.ts': {
        source: "import { Queue } from 'bullmq';\nexport const marker = Queue;\n",
        rule: 'application-depends-inward',
      },
      'src/application/uses-http.ts': {
        source:
          "import { accountJson } from '../http/representations';\nexport const marker = accountJson;\n",
        rule: 'application-depends-inward',
      },
      'src/http/uses-prisma.ts': {
        source: "import type { Account } from '../generated/prisma/client';\nexport type Row = Account;\n",
        rule: 'http-never-touches-persistence',
      },
      'src/http/uses-a-persistence-adapter.ts': {
        source:
          "import { PrismaLedgerQueries } from '../infrastructure/persistence/prisma-ledger-queries';\nexport const marker = PrismaLedgerQueries;\n",
        rule: 'http-never-touches-persistence',
      },
      'src/infrastructure/uses-http.ts': {
        source: "import { pageQuery } from '../http/pagination';\nexport const marker = pageQuery;\n",
        rule: 'infrastructure-knows-no-http',
      },
      'src/application/cycle-a.ts': {
        source: "import { b } from './cycle-b';\nexport const a = (): number => b() + 1;\n",
        rule: 'no-circular',
      },
    };
    const cycleEnd = {
      file: 'src/application/cycle-b.ts',
      source: "import { a } from './cycle-a';\nexport const b = (): number => a() - 1;\n",
    };
    let scratch: string;
    let passed: boolean;
    let reported: Violation[];

    beforeAll(async () => {
      // Same shape as the repository (apps/<app>, node_modules two levels up), so paths resolve alike.
      scratch = mkdtempSync(join(tmpdir(), 'meridian-layout-'));
      const app = join(scratch, 'apps', 'ledger');
      cpSync(join(REPO, 'apps', 'ledger', 'src'), join(app, 'src'), { recursive: true });
      symlinkSync(join(REPO, 'node_modules'), join(scratch, 'node_modules'), 'dir');
      cpSync(join(REPO, '.dependency-cruiser.cjs'), join(scratch, '.dependency-cruiser.cjs'));
      const added = [...Object.entries(violations), [cycleEnd.file, cycleEnd] as const];
      for (const [file, { source }] of added) {
        mkdirSync(dirname(join(app, file)), { recursive: true });
        writeFileSync(join(app, file), source);
      }
      [passed, reported] = await Promise.all([lintPasses(app), violationsIn(app)]);
    });

    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it('fails the lint step', () => {
      expect(passed).toBe(false);
    });

    it.each(Object.entries(violations))('reports %s under its rule', (file, { rule }) => {
      expect(reported.filter((v) => v.from === file).map((v) => v.rule)).toContainEqual({
        name: rule,
        severity: 'error',
      });
    });

    it('reports nothing but the added files', () => {
      expect([...new Set(reported.map((v) => v.from))].sort()).toEqual(Object.keys(violations).sort());
    });
  });
});
