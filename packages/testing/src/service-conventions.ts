import { readFileSync } from 'node:fs';
import { appConfigSchema, envTableOf, envTableReadme, variablesTable } from '@meridian/config';
import {
  Agent,
  connectionRefused,
  type HttpResult,
  httpRequest,
  KeepAliveLoad,
  PartialRequest,
} from './http';
import { OtlpReceiver } from './otlp-receiver';
import { appEntry, REPO_ROOT } from './paths';
import { ServiceProcess } from './service-process';
import type { TcpProxy } from './tcp-proxy';

export interface ServiceFixture {
  /** A complete, valid environment for the service. */
  env: Record<string, string>;
  /** The proxy in front of the dependency that readiness checks (PostgreSQL or Redis). */
  dependency: TcpProxy;
  dependencyName: string;
  teardown(): Promise<void>;
}

export interface ServiceConventionsOptions {
  app: string;
  /** Creates the dependencies (throwaway database, Redis prefix, proxies) once for the suite. */
  setup(): Promise<ServiceFixture>;
  /** Variables the service cannot start without. */
  required: string[];
  /** A secret variable and an invalid value for it that must never be printed. */
  invalidSecret: { name: string; value: string };
  /** GET paths of the service's own API (answered, if only with 401, on PORT). */
  publicPaths: string[];
  /** GET paths of its operator API, besides probes and /metrics (answered on MANAGEMENT_PORT). */
  operatorPaths?: string[];
  /** TRACE_CONTEXT_TRUSTED's default: whether the service's callers are our own services. */
  traceContextTrusted: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PROBES = ['/health/live', '/health/ready', '/health/startup'];
const NOT_FOUND = 'https://meridian.dev/problems/not-found';

/**
 * The conventions every Meridian service keeps (see README, "Conventions"),
 * checked against the real service process with real dependencies. Each app's
 * test suite calls this once; what differs between apps is only the setup.
 */
export function describeServiceConventions(options: ServiceConventionsOptions): void {
  const { app } = options;
  let fixture: ServiceFixture;
  const running: ServiceProcess[] = [];

  const start = async (extra: Record<string, string> = {}) => {
    const service = await ServiceProcess.start(app, {
      ...fixture.env,
      TEST_ROUTES_ENABLED: 'true',
      SHUTDOWN_DELAY_MS: '100',
      ...extra,
    });
    running.push(service);
    return service;
  };

  beforeAll(async () => {
    fixture = await options.setup();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((service) => service.stop(2_000)));
  });

  afterAll(async () => {
    await fixture?.teardown();
  });

  describe(`${app}: configuration`, () => {
    it('exits 78 (EX_CONFIG) before starting anything (not one log line), naming every missing variable', async () => {
      const service = await ServiceProcess.start(app, {});
      const result = await service.exited;
      expect(result.code).toBe(78);
      expect(service.logs()).toEqual([]);
      for (const name of options.required)
        expect(service.stderrLines.join('\n')).toMatch(new RegExp(`^\\s*${name}: `, 'm'));
    });

    it('names each invalid variable on its own line and never prints a secret', async () => {
      const service = await ServiceProcess.start(app, {
        ...fixture.env,
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        [options.invalidSecret.name]: options.invalidSecret.value,
      });
      const result = await service.exited;
      expect(result.code).toBe(78);
      expect(service.logs()).toEqual([]);
      const problems = service.stderrLines
        .filter((line) => /^\s+[A-Z_]+: /.test(line))
        .map((l) => l.trim().split(':')[0]);
      expect(problems.sort()).toEqual([options.invalidSecret.name, 'LOG_LEVEL', 'PORT'].sort());
      expect(service.output()).not.toContain(options.invalidSecret.value);
    });

    it('refuses to start with test routes in production, in one line naming TEST_ROUTES_ENABLED', async () => {
      const service = await ServiceProcess.start(app, {
        ...fixture.env,
        TEST_ROUTES_ENABLED: 'true',
        DEPLOYMENT_ENVIRONMENT: 'production',
      });
      const result = await service.exited;
      expect(result.code).not.toBe(0);
      expect(service.stderrLines.filter((line) => /^\s+[A-Z_]+: /.test(line))).toEqual([
        '  TEST_ROUTES_ENABLED: must not be true when DEPLOYMENT_ENVIRONMENT is production',
      ]);
    });

    it("is documented: the README's env table lists exactly what src/config.ts reads (`npm run docs:env` updates it)", () => {
      const schema = appConfigSchema(REPO_ROOT, app);
      expect(schema).toBeDefined();
      const readme = readFileSync(envTableReadme(REPO_ROOT, app), 'utf8');
      expect(envTableOf(readme, app)).toBe(variablesTable(schema!));
    });
  });

  describe(`${app}: footprint`, () => {
    // V8 keeps a script's source while its functions live, at two bytes per character once one character
    // is beyond Latin-1: for an 11 MB bundle, 11 MB more heap in every process (scripts/bundle-app.mjs).
    it('runs from a bundle of ASCII text only, so V8 holds its source at one byte per character', () => {
      const source = readFileSync(appEntry(app));
      const outside = source.findIndex((byte) => byte > 0x7f);
      expect(
        outside === -1 ? 'ASCII only' : source.subarray(Math.max(0, outside - 60), outside + 20).toString(),
      ).toBe('ASCII only');
    });
  });

  describe(`${app}: listeners`, () => {
    /** A 404 exactly like that of a route that does not exist. */
    const expectUnknownRoute = (response: HttpResult) => {
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(response.body)).toMatchObject({ type: NOT_FOUND, status: 404 });
    };

    it('answers probes, /metrics and operator routes on the management port, and 404 problem+json for them on the public port', async () => {
      const service = await start();
      await service.waitUntilReady();
      for (const path of [...PROBES, '/metrics']) {
        expect((await httpRequest(`${service.managementUrl}${path}`)).status).toBe(200);
        expectUnknownRoute(await httpRequest(`${service.url}${path}`));
      }
      for (const path of options.operatorPaths ?? []) {
        expect((await httpRequest(`${service.managementUrl}${path}`)).status).not.toBe(404);
        expectUnknownRoute(await httpRequest(`${service.url}${path}`));
      }
    });

    it('answers its own API on the public port, and 404 problem+json for it on the management port', async () => {
      const service = await start();
      await service.waitUntilReady();
      for (const path of [...options.publicPaths, '/__test/slow?ms=1']) {
        expect((await httpRequest(`${service.url}${path}`)).status).not.toBe(404);
        expectUnknownRoute(await httpRequest(`${service.managementUrl}${path}`));
      }
    });

    it('picks a free management port when MANAGEMENT_PORT=0 and logs it', async () => {
      const service = await start({ MANAGEMENT_PORT: '0', LOG_LEVEL: 'info' });
      await service.waitUntilReady();
      const listening = await service.waitForLog((l) => l.message === `${app} listening`);
      expect(listening).toMatchObject({ port: service.port, managementPort: service.managementPort });
      expect(service.managementPort).not.toBe(0);
    });
  });

  describe(`${app}: probes`, () => {
    it('answers startup, ready and live with 200 after boot', async () => {
      const service = await start();
      await service.waitFor('/health/startup');
      expect((await httpRequest(`${service.managementUrl}/health/ready`)).status).toBe(200);
      expect((await httpRequest(`${service.managementUrl}/health/live`)).status).toBe(200);
    });

    it('stays ready while its dependency hangs for less than 3 s (a blip every replica sees at once)', async () => {
      const service = await start();
      await service.waitUntilReady();
      fixture.dependency.hold();
      try {
        // The check times out (1 s): failing, but not for long enough to leave the balancer.
        const ready = await httpRequest(`${service.managementUrl}/health/ready`);
        expect(ready.status).toBe(200);
      } finally {
        fixture.dependency.release();
      }
    });

    it('is not ready while its dependency is unreachable, naming it without its error, stays live, and recovers', async () => {
      const service = await start();
      await service.waitUntilReady();
      await fixture.dependency.stop();
      try {
        await service.waitFor('/health/ready', 503, 10_000);
        const ready = await httpRequest(`${service.managementUrl}/health/ready`);
        expect(ready.headers['content-type']).toContain('application/problem+json');
        // Which dependency is down, and nothing of its error (hosts, ports, users).
        expect(JSON.parse(ready.body)).toEqual({
          type: 'https://meridian.dev/problems/service-unavailable',
          title: 'The service is unavailable',
          status: 503,
          instance: '/health/ready',
          checks: { [fixture.dependencyName]: { status: 'down' } },
        });
        expect((await httpRequest(`${service.managementUrl}/health/live`)).status).toBe(200);
      } finally {
        await fixture.dependency.resume();
      }
      await service.waitFor('/health/ready', 200, 15_000);
    });
  });

  describe(`${app}: telemetry`, () => {
    it('writes JSON log lines carrying the trace id of the request span', async () => {
      const service = await start();
      await service.waitUntilReady();
      const response = await httpRequest(`${service.url}/__test/trace-context`);
      expect(response.status).toBe(200);
      const { traceId } = JSON.parse(response.body) as { traceId: string };
      const line = await service.waitForLog((l) => l.route === '/__test/trace-context');
      expect(line).toMatchObject({ trace_id: traceId, status: 200, level: 'info', service: app });
      expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(service.logs().length).toBeGreaterThan(0); // every stdout line parses as JSON
    });

    it('exports spans over OTLP/HTTP when an endpoint is set, flushing them during shutdown', async () => {
      const collector = await OtlpReceiver.start();
      try {
        const service = await start({
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        });
        await service.waitUntilReady();
        const response = await httpRequest(`${service.url}/__test/trace-context`);
        const { traceId } = JSON.parse(response.body) as { traceId: string };
        expect((await service.stop()).code).toBe(0);
        const spans = collector.spans().filter((span) => span.traceId === traceId);
        expect(spans.map((span) => span.service)).toContain(app);
        expect(spans.map((span) => span.kind)).toContain('server');
      } finally {
        await collector.close();
      }
    });

    it('exposes the request histogram and process metrics at /metrics', async () => {
      const service = await start();
      await service.waitUntilReady();
      await httpRequest(`${service.url}/__test/slow?ms=1`);
      await httpRequest(`${service.url}/no-such-route`);
      const metrics = await httpRequest(`${service.managementUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(
        /http_server_request_duration_seconds_bucket\{[^}]*method="GET",route="\/__test\/slow",status_code="200"[^}]*\} 1/,
      );
      expect(metrics.body).toMatch(
        /http_server_request_duration_seconds_count\{[^}]*route="unmatched",status_code="404"/,
      );
      expect(metrics.body).toContain('process_resident_memory_bytes');
    });
  });

  describe(`${app}: incoming trace context`, () => {
    const CALLER_SPAN_ID = '00f067aa0ba902b7';
    const callerHeaders = { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`, baggage: 'tenant=acme' };
    let collector: OtlpReceiver;

    beforeAll(async () => {
      collector = await OtlpReceiver.start();
    });

    afterAll(async () => {
      await collector?.close();
    });

    /** The server span of a request from a caller that sends trace context, and what the handler saw. */
    const handleCallerRequest = async (extra: Record<string, string>) => {
      const service = await start({
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        ...extra,
      });
      await service.waitUntilReady();
      const response = await httpRequest(`${service.url}/__test/trace-context`, { headers: callerHeaders });
      const seen = JSON.parse(response.body) as { traceId: string; baggage: Record<string, string> };
      const serverSpan = await collector.waitForSpan(
        (span) => span.service === app && span.traceId === seen.traceId && span.kind === 'server',
      );
      return { seen, serverSpan };
    };

    const continues = async (extra: Record<string, string>) => {
      const { seen, serverSpan } = await handleCallerRequest(extra);
      expect(seen).toEqual({ traceId: TRACE_ID, baggage: { tenant: 'acme' } });
      expect(serverSpan).toMatchObject({ traceId: TRACE_ID, parentSpanId: CALLER_SPAN_ID, links: [] });
    };

    const onlyLinks = async (extra: Record<string, string>) => {
      const { seen, serverSpan } = await handleCallerRequest(extra);
      expect(seen.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(seen.traceId).not.toBe(TRACE_ID);
      expect(seen.baggage).toEqual({});
      expect(serverSpan).toMatchObject({
        parentSpanId: '',
        links: [{ traceId: TRACE_ID, spanId: CALLER_SPAN_ID }],
      });
    };

    if (options.traceContextTrusted) {
      it("continues the caller's trace and baggage by default (the caller is one of our services)", () =>
        continues({}));
      it("starts a new trace linked to the caller's, without its baggage, with TRACE_CONTEXT_TRUSTED=false", () =>
        onlyLinks({ TRACE_CONTEXT_TRUSTED: 'false' }));
    } else {
      it("starts a new trace linked to the caller's, without its baggage, by default (the caller is the internet)", () =>
        onlyLinks({}));
      it("continues the caller's trace and baggage with TRACE_CONTEXT_TRUSTED=true", () =>
        continues({ TRACE_CONTEXT_TRUSTED: 'true' }));
    }
  });

  describe(`${app}: graceful shutdown`, () => {
    /** Resolves once nothing listens on `port` any more (the listener closed). */
    const untilRefused = async (port: number) => {
      while (!(await connectionRefused(port))) await sleep(20);
    };

    it('turns unready at once while still serving, finishes in-flight requests (keep-alive too) and a body still being sent, then refuses connections on both ports and exits 0', async () => {
      // Long enough that the checks made during the delay are made during it, even on a loaded machine.
      const delayMs = 3_000;
      const service = await start({
        SHUTDOWN_DELAY_MS: String(delayMs),
        SHUTDOWN_TIMEOUT_MS: '25000',
      });
      await service.waitUntilReady();

      // Idle keep-alive connections to both listeners, a slow request, the
      // same on a keep-alive connection, and a body still being sent.
      const idle = new Agent({ keepAlive: true, maxSockets: 1 });
      expect((await httpRequest(`${service.managementUrl}/health/live`, { agent: idle })).status).toBe(200);
      expect((await httpRequest(`${service.url}/__test/slow?ms=1`, { agent: idle })).status).toBe(200);
      const slow = httpRequest(`${service.url}/__test/slow?ms=${delayMs + 1_500}`);
      const busy = new Agent({ keepAlive: true, maxSockets: 1 });
      const slowKeptAlive = httpRequest(`${service.url}/__test/slow?ms=${delayMs + 1_500}`, { agent: busy });
      const body = JSON.stringify({ note: 'sent in two parts across the shutdown' });
      const partial = await PartialRequest.open(service.port, '/__test/echo', body, 10);

      service.signal('SIGTERM');
      await service.waitFor('/health/ready', 503);
      // Unready, and still serving (the delay is not over), so load balancers can catch up.
      expect((await httpRequest(`${service.managementUrl}/health/live`)).status).toBe(200);
      expect((await httpRequest(`${service.url}/__test/slow?ms=1`)).status).toBe(200);

      // Once the listeners have closed, the rest of the body arrives, and every request in flight is answered.
      await untilRefused(service.port);
      partial.finish();
      const [slowResult, keptAliveResult, partialResult] = await Promise.all([
        slow,
        slowKeptAlive,
        partial.response,
      ]);
      expect(slowResult.status).toBe(200);
      expect(JSON.parse(slowResult.body)).toEqual({ sleptMs: delayMs + 1_500 });
      expect(keptAliveResult.status).toBe(200);
      // Keep-alive ended with the signal: the client is told to open its next connection elsewhere.
      expect(keptAliveResult.headers.connection).toBe('close');
      expect(partialResult.status).toBe(200);
      expect(JSON.parse(partialResult.body)).toEqual({ received: JSON.parse(body) as unknown });

      // Exit 0, not the timeout's exit 1: the busy keep-alive connection was closed after its response.
      const exit = await service.exited;
      const refused = [
        await connectionRefused(service.port),
        await connectionRefused(service.managementPort),
      ];
      idle.destroy();
      busy.destroy();
      expect(exit.code).toBe(0);
      expect(refused).toEqual([true, true]);
      expect(service.logs().some((l) => l.message === 'shutdown: complete')).toBe(true);
    });

    it('drains under continuous keep-alive load from two clients: exit 0 within SHUTDOWN_DELAY_MS + 2 s, every request sent before the delay ended answered, and each answer after the signal with Connection: close', async () => {
      const delayMs = 1_000;
      // The bound is the service's own watchdog: a drain still going at delay + 2 s exits 1.
      const service = await start({
        SHUTDOWN_DELAY_MS: String(delayMs),
        SHUTDOWN_TIMEOUT_MS: String(delayMs + 2_000),
        LOG_LEVEL: 'info',
      });
      await service.waitUntilReady();
      const load = new KeepAliveLoad(`${service.url}/__test/slow?ms=50`, 2);
      await load.answered(4);
      service.signal('SIGTERM');
      const exit = await service.exited;
      const requests = await load.stop();
      const timeOf = async (message: string) =>
        Date.parse(String((await service.waitForLog((l) => String(l.message).startsWith(message))).time));
      const drainStartedAt = await timeOf('shutdown: readiness is now 503');
      const delayEndedAt = await timeOf('shutdown: delay over');

      expect(exit.code).toBe(0);
      const sentBefore = requests.filter((r) => r.sentAt < delayEndedAt);
      // Answered: 200, or (landing as the listener closed) 503 with Connection: close.
      const unanswered = sentBefore.filter(
        (r) => r.status !== 200 && !(r.status === 503 && r.connection === 'close'),
      );
      expect(unanswered).toEqual([]);
      // The load went on through the delay, on both clients, and each answer then told the
      // client to open its next connection anew (through the balancer, to another replica).
      const duringDelay = sentBefore.filter((r) => r.sentAt > drainStartedAt);
      expect(new Set(duringDelay.map((r) => r.client))).toEqual(new Set([0, 1]));
      expect(duringDelay.filter((r) => r.connection !== 'close')).toEqual([]);
    });

    it('refuses new connections on both ports once the delay is over, while a request is still in flight', async () => {
      // The request is sent during the delay, so it is accepted; it outlasts the delay by far.
      const service = await start({ SHUTDOWN_DELAY_MS: '1000', SHUTDOWN_TIMEOUT_MS: '20000' });
      await service.waitUntilReady();
      let answered = false;
      const slow = httpRequest(`${service.url}/__test/slow?ms=10000`).then((result) => {
        answered = true;
        return result;
      });
      service.signal('SIGTERM');
      await untilRefused(service.port);
      await untilRefused(service.managementPort);
      expect(answered).toBe(false);
      expect((await slow).status).toBe(200);
      expect((await service.exited).code).toBe(0);
    });

    it('exits non-zero on a second signal, without waiting for the delay to end', async () => {
      const service = await start({
        SHUTDOWN_DELAY_MS: '20000',
        SHUTDOWN_TIMEOUT_MS: '25000',
        LOG_LEVEL: 'info',
      });
      await service.waitUntilReady();
      service.signal('SIGTERM');
      await service.waitForLog((l) => String(l.message).startsWith('shutdown: readiness'));
      service.signal('SIGTERM');
      const exit = await service.exited;
      expect(exit.code).not.toBe(0);
      expect(service.logs().some((l) => l.message === 'second signal during shutdown: forcing exit')).toBe(
        true,
      );
      // Forced out during the delay: the sequence never reached its next step.
      expect(service.logs().some((l) => String(l.message).startsWith('shutdown: draining'))).toBe(false);
    });

    it('exits non-zero once SHUTDOWN_TIMEOUT_MS has passed with a request still in flight', async () => {
      const timeoutMs = 3_000;
      const service = await start({ SHUTDOWN_DELAY_MS: '1000', SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
      await service.waitUntilReady();
      const slow = httpRequest(`${service.url}/__test/slow?ms=30000`).catch(() => undefined);
      const signalledAt = Date.now();
      service.signal('SIGTERM');
      const exit = await service.exited;
      expect(exit.code).not.toBe(0);
      expect(service.logs().some((l) => l.message === 'shutdown timed out: forcing exit')).toBe(true);
      // Not before the timeout (the margin covers timer rounding; a loaded machine only makes it later).
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(timeoutMs - 100);
      await slow;
    });
  });
}
