import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import {
  createRedisNamespace,
  type RunningServiceWithDatabase,
  ServiceProcess,
  startWithDatabase,
  type TestRedisNamespace,
} from '@meridian/testing';
import committed from '../openapi.json';
import { ADMIN_TOKEN, LEDGER_TOKEN, request, SETTLEMENT_TOKEN } from './support/api-fixture';

/** Debian's chromium package; CI installs it (.ci/run). No browser is ever downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const NOT_FOUND = 'https://meridian.dev/problems/not-found';
const DOCS_ROUTES = ['/docs', '/docs/openapi.json', '/docs/redoc.standalone.js'];

/** The keys of a path item that are operations (others: parameters, summary, servers...). */
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
type Operation = { summary?: string; operationId?: string };

/**
 * Each operation as Redoc shows it: in the menu, its method and its summary
 * (Redoc falls back to the operationId); beside its description, its method
 * and path. Derived from the document, so a new operation is expected at once.
 */
function expectedListings(document: unknown) {
  const paths = (document as { paths: Record<string, Record<string, Operation>> }).paths;
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ method, path, operation })),
  );
  return {
    menu: operations
      .map(({ method, path, operation }) => `${method} ${operation.summary ?? operation.operationId ?? path}`)
      .sort(),
    endpoints: operations.map(({ method, path }) => `${method} ${path}`).sort(),
  };
}

/** What one visit of the page showed and did. */
interface Visit {
  requests: string[];
  outside: string[];
  failed: string[];
  consoleErrors: string[];
  menu: string[];
  endpoints: string[];
}

/** Opens /docs in a fresh headless Chromium; requests to any other origin are recorded and refused. */
async function visitReference(url: string): Promise<Visit> {
  const origin = new URL(url).origin;
  const visit: Visit = { requests: [], outside: [], failed: [], consoleErrors: [], menu: [], endpoints: [] };
  const isOutside = (address: URL) => /^(https?|wss?):$/.test(address.protocol) && address.origin !== origin;
  const profile = mkdtempSync(join(tmpdir(), 'meridian-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
    context.on('request', (sent) => {
      visit.requests.push(sent.url());
      if (sent.url().startsWith('data:')) return;
      if (new URL(sent.url()).origin !== origin) visit.outside.push(sent.url());
    });
    context.on('requestfailed', (sent) => visit.failed.push(`${sent.url()}: ${sent.failure()?.errorText}`));
    context.on('response', (answer) => {
      if (answer.status() >= 400) visit.failed.push(`${answer.url()}: ${answer.status()}`);
    });
    await context.route(isOutside, (route) => route.abort('blockedbyclient'));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') visit.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => visit.consoleErrors.push(`uncaught: ${error.message}`));

    await page.goto(`${url}/docs`, { waitUntil: 'load' });
    // Redoc renders once it has fetched and parsed the document: the menu, or its error page.
    await page.locator('[role=menuitem], h1').first().waitFor({ timeout: 60_000 });
    await page.waitForLoadState('networkidle');
    const texts = (selector: string) => page.locator(selector).allTextContents();
    const pairs = (methods: string[], names: string[]) => methods.map((method, i) => `${method} ${names[i]}`);
    visit.menu = pairs(
      await texts('[role=menuitem] > label > .operation-type'),
      await texts('[role=menuitem] > label > .operation-type + span'),
    ).sort();
    visit.endpoints = pairs(await texts('.http-verb'), await texts('.http-verb + span')).sort();
    return visit;
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const apiEnv = (redis: TestRedisNamespace): Record<string, string> => ({
  REDIS_URL: redis.url,
  REDIS_KEY_PREFIX: redis.prefix,
  // The reference calls no internal service; the api starts without them.
  LEDGER_URL: 'http://127.0.0.1:9',
  LEDGER_TOKEN,
  SETTLEMENT_TOKEN,
  ADMIN_TOKEN,
  SHUTDOWN_DELAY_MS: '0',
  LOG_LEVEL: 'warn',
});

describe('the API reference at /docs (the real api process)', () => {
  let redis: TestRedisNamespace;
  let api: RunningServiceWithDatabase;

  beforeAll(async () => {
    redis = createRedisNamespace('api_reference');
    api = await startWithDatabase('api', 'api_reference', apiEnv(redis));
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    await redis?.clear();
  });

  it('serves the page, the document and the bundle from the api, under a policy that allows nothing from elsewhere', async () => {
    const page = await request(api.service.url, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    // Every address in the page is relative: it works behind any host and path prefix.
    expect(page.body).not.toMatch(/(src|href)="(\/\/|[a-z]+:\/\/)/i);

    const document = await request(api.service.url, 'GET', '/docs/openapi.json');
    expect(document.status).toBe(200);
    expect(document.headers.get('content-type')).toContain('application/json');
    expect(document.body).toEqual(committed);

    const bundle = await request(api.service.url, 'GET', '/docs/redoc.standalone.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(bundle.body).toContain('ReDoc');
  });

  describe('in headless Chromium', () => {
    let visit: Visit;

    beforeAll(async () => {
      if (!existsSync(CHROMIUM))
        throw new Error(
          `${CHROMIUM} is missing: this test drives Debian's chromium package (apt-get install -y chromium; .ci/run installs it when absent)`,
        );
      visit = await visitReference(api.service.url);
    }, 180_000);

    it('loads the page, its script and the document from the api only, and nothing fails to load', () => {
      expect(visit.outside).toEqual([]);
      expect(visit.failed).toEqual([]);
      const origin = new URL(api.service.url).origin;
      expect(visit.requests).toEqual(expect.arrayContaining(DOCS_ROUTES.map((route) => `${origin}${route}`)));
    });

    it('logs no error to the console', () => {
      expect(visit.consoleErrors).toEqual([]);
    });

    it('lists every operation of the document: in the menu, and with its method and path', () => {
      const expected = expectedListings(committed);
      expect(expected.endpoints.length).toBeGreaterThan(0);
      expect(visit.menu).toEqual(expected.menu);
      expect(visit.endpoints).toEqual(expected.endpoints);
    });
  });

  it('with DOCS_ENABLED=false, answers each of its routes with the 404 problem and the header names of an address that does not exist (no cache-control, no CSP)', async () => {
    const off = await ServiceProcess.start('api', {
      DATABASE_URL: api.database.url,
      ...apiEnv(redis),
      DOCS_ENABLED: 'false',
    });
    try {
      await off.waitUntilReady(120_000);
      const unknown = await request(off.url, 'GET', '/docs/nothing');
      expect(unknown.status).toBe(404);
      for (const route of DOCS_ROUTES) {
        const reply = await request(off.url, 'GET', route);
        expect({ route, status: reply.status, type: reply.headers.get('content-type') }).toEqual({
          route,
          status: 404,
          type: expect.stringContaining('application/problem+json'),
        });
        expect({ route, headers: [...reply.headers.keys()].sort() }).toEqual({
          route,
          headers: [...unknown.headers.keys()].sort(),
        });
        expect(reply.body).toEqual({
          ...unknown.body,
          type: NOT_FOUND,
          detail: `Cannot GET ${route}`,
          instance: route,
        });
      }
    } finally {
      await off.stop(5_000);
    }
  });
});
