import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { renderHtmlReport } from '../src/report/html';
import { HOSTILE, SAMPLE_SECONDS, sampleSummary } from './support/sample-summary';

/** Debian's chromium package, as in apps/api/test/reference.e2e.spec.ts; no browser is ever downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What one report showed and did in the browser. */
interface Visit {
  html: string;
  url: string;
  page: Page;
  requests: string[];
  consoleErrors: string[];
  dialogs: string[];
}

const pairsOf = (points: string | null) => (points ?? '').trim().split(/\s+/).filter(Boolean);
const NUMBER_PAIR = /^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/;

describe('the HTML report, opened from disk in headless Chromium', () => {
  let browser: Browser;
  let folder: string;
  let full: Visit;
  let empty: Visit;

  async function visit(name: string, html: string): Promise<Visit> {
    const file = join(folder, `${name}.html`);
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen: Visit = { html, url, page, requests: [], consoleErrors: [], dialogs: [] };
    page.on('request', (sent) => seen.requests.push(sent.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') seen.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => seen.consoleErrors.push(`uncaught: ${error.message}`));
    page.on('dialog', (dialog) => {
      seen.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    return seen;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is missing: this test drives Debian's chromium package (apt-get install -y chromium)`,
      );
    folder = mkdtempSync(join(tmpdir(), 'meridian-loadtest-report-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    full = await visit('sample', renderHtmlReport(sampleSummary()));
    empty = await visit('empty', renderHtmlReport(sampleSummary({ empty: true })));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const text = async (page: Page, selector: string) => (await page.locator(selector).innerText()).trim();

  it('requests its own file and nothing else, and logs no console error or page error', () => {
    for (const seen of [full, empty]) {
      expect(seen.requests).toEqual([seen.url]);
      expect(seen.consoleErrors).toEqual([]);
    }
  });

  it("declares a Content-Security-Policy of default-src 'none' and holds no script element", async () => {
    const policy = await full.page
      .locator('meta[http-equiv="Content-Security-Policy"]')
      .getAttribute('content');
    expect(policy).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';/);
    expect(await full.page.locator('script').count()).toBe(0);
    // The hostile strings reach the file only escaped: no tag that could run or fetch anything.
    expect(full.html).not.toMatch(/<(script|img|link|iframe|object|embed)\b/i);
  });

  it('shows the headline: verdict, target, duration, operations, throughput, p50, p99, error rate, audit and seed', async () => {
    const headline = {
      verdict: 'FAILED',
      target: 'https://staging.meridian.example',
      duration: '30 s',
      operations: '10,195',
      throughput: '339.8/s',
      p50: '3.2 ms',
      p99: '44 ms',
      'error-rate': '0.12%',
      audit: 'failed',
      seed: '42',
    };
    for (const [metric, shown] of Object.entries(headline))
      expect([metric, await text(full.page, `[data-metric="${metric}"]`)]).toEqual([metric, shown]);
    expect(await text(full.page, '[data-metric="model"]')).toContain('open');
  });

  it('draws one point per timeline second for throughput, target rate and errors, in data-points and in points', async () => {
    for (const series of ['throughput', 'target', 'errors']) {
      const line = full.page.locator(`polyline[data-series="${series}"]`);
      expect(await line.getAttribute('data-points')).toBe(String(SAMPLE_SECONDS));
      const pairs = pairsOf(await line.getAttribute('points'));
      expect(pairs).toHaveLength(SAMPLE_SECONDS);
      expect(pairs.every((pair) => NUMBER_PAIR.test(pair))).toBe(true);
    }
  });

  it('draws one point per timeline second for p50, p90 and p99, against a y axis labelled in ms', async () => {
    for (const series of ['p50', 'p90', 'p99']) {
      const line = full.page.locator(`polyline[data-series="${series}"]`);
      expect(await line.getAttribute('data-points')).toBe(String(SAMPLE_SECONDS));
      const pairs = pairsOf(await line.getAttribute('points'));
      expect(pairs).toHaveLength(SAMPLE_SECONDS);
      expect(pairs.every((pair) => NUMBER_PAIR.test(pair))).toBe(true);
    }
    const plot = full.page.locator('figure', { has: full.page.locator('polyline[data-series="p99"]') });
    const labels = await plot.locator('svg text').allTextContents();
    expect(labels).toContain('latency (ms)');
    expect(labels.filter((label) => /^\d+ ms$/.test(label)).length).toBeGreaterThanOrEqual(3);
  });

  it('marks the failing threshold failed and the passing one passed', async () => {
    expect(await text(full.page, '[data-threshold="error_rate<0.1%"] td:last-child')).toBe('failed');
    expect(await text(full.page, '[data-threshold="transfer:p99<150ms"] td:last-child')).toBe('passed');
  });

  it('lists every scenario and the total, and the highest passing rate of the search', async () => {
    for (const name of ['transfer', 'two-phase', 'idempotent-replay', 'all'])
      expect(await full.page.locator(`tr[data-scenario="${name}"]`).count()).toBe(1);
    expect(await text(full.page, '[data-metric="highest-passing-rate"]')).toBe('400/s');
  });

  it('shows the violation\'s "<script>" detail, hostile tenant id and problem type as text, and none of them ran', async () => {
    const violation = await text(full.page, 'tr[data-violation]');
    expect(violation).toContain(HOSTILE.detail);
    expect(violation).toContain(HOSTILE.tenantId);
    expect(violation).toContain('acknowledged-missing');
    expect(await text(full.page, 'tr[data-scenario="transfer"]')).toContain(HOSTILE.cause);
    expect(full.dialogs).toEqual([]);
    expect(await full.page.locator('script, img, b').count()).toBe(0);
  });

  it('renders a run that did nothing: zero operations, PASSED, plots with 0 points, no NaN, and the audit "not run"', async () => {
    expect(empty.html).not.toMatch(/NaN|Infinity|undefined/);
    expect(await text(empty.page, '[data-metric="operations"]')).toBe('0');
    expect(await text(empty.page, '[data-metric="verdict"]')).toBe('PASSED');
    expect(await text(empty.page, '[data-metric="audit"]')).toBe('not run');
    expect(await text(empty.page, '[data-audit]')).toBe('Audit not run.');
    for (const series of ['throughput', 'errors', 'p50', 'p90', 'p99']) {
      const line = empty.page.locator(`polyline[data-series="${series}"]`);
      expect(await line.getAttribute('data-points')).toBe('0');
      expect(pairsOf(await line.getAttribute('points'))).toEqual([]);
    }
    expect(full.html).not.toMatch(/NaN|Infinity|undefined/);
  });
});
