import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runClosedModel } from '../../src/engine/closed-model';
import { runOpenModel } from '../../src/engine/open-model';
import { LatencyHistogram } from '../../src/metrics/histogram';

const STALL_AT_REQUEST = 50;
const STALL_MS = 1_000;

/**
 * A target that answers 200 at once, except that its STALL_AT_REQUEST-th
 * request starts a stall: every answer due while it lasts (that request's
 * included) is held until STALL_MS after it began. It stalls once. Its times
 * are read from `performance.now()`, the clock the models schedule by.
 */
class StallingServer {
  /** When the stall began and ended (performance.now()), once it has. */
  stallStartedAt: number | undefined;
  stallEndsAt: number | undefined;
  requests = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<StallingServer> {
    const target = new StallingServer(createServer());
    target.server.on('request', (request, response) => {
      request.resume();
      const now = performance.now();
      if (++target.requests === STALL_AT_REQUEST) {
        target.stallStartedAt = now;
        target.stallEndsAt = now + STALL_MS;
      }
      const answer = () => {
        // A timer can fire a little before its moment; a held answer never leaves before the stall's end.
        const wait = (target.stallEndsAt ?? 0) - performance.now();
        if (wait > 0) setTimeout(answer, wait);
        else response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      };
      answer();
    });
    await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One GET with real fetch, timed from `scheduledAt` (the open model's due time, the closed model's send time). */
function measuring(url: string) {
  const histogram = new LatencyHistogram();
  const operations: Array<{ scheduledAt: number; latencyMs: number }> = [];
  const failures: string[] = [];
  const fire = async (scheduledAt: number) => {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status !== 200) failures.push(`status ${response.status}`);
    } catch (error) {
      failures.push(String(error));
    }
    const latencyMs = performance.now() - scheduledAt;
    histogram.recordMs(latencyMs);
    operations.push({ scheduledAt, latencyMs });
  };
  return { fire, histogram, operations, failures };
}

describe('against a test server that stalls for one second, the open model reports the stall in p99 while a closed model would hide it', () => {
  let servers: StallingServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  });

  const startServer = async () => {
    const server = await StallingServer.start();
    servers.push(server);
    return server;
  };

  it('open model, 200/s for 3 s: 600 operations, each one due in the stall timed to the stall’s end, so p99 ≥ 900 ms and at least 99 operations took ≥ 500 ms; 1 virtual user for 3 s: 1 or 2 operations took ≥ 500 ms and its p99 is below the open model’s', async () => {
    const openServer = await startServer();
    const open = measuring(openServer.url);
    const openRun = await runOpenModel({
      stages: [{ kind: 'hold', durationMs: 3_000, rate: 200 }],
      maxInFlight: 10_000,
      fire: open.fire,
    });

    const closedServer = await startServer();
    const closed = measuring(closedServer.url);
    await runClosedModel({ virtualUsers: 1, durationMs: 3_000, fire: closed.fire });

    // Open model: every arrival was started and answered, and the server did stall during the run.
    expect(openRun).toMatchObject({ started: 600, dropped: 0 });
    expect(open.failures).toEqual([]);
    expect(open.histogram.count).toBe(600);
    const stallStart = openServer.stallStartedAt!;
    const stallEnd = openServer.stallEndsAt!;
    expect(stallStart).toBeDefined();
    // An arrival due over 2 ms into the stall was sent after it began (a timer fires at most about 1 ms
    // early), so its answer was held to the stall's end, and it is timed from when it was due.
    const dueInStall = open.operations.filter(
      (o) => o.scheduledAt >= stallStart + 2 && o.scheduledAt < stallEnd,
    );
    expect(dueInStall.length).toBeGreaterThanOrEqual(100);
    for (const { scheduledAt, latencyMs } of dueInStall)
      expect(latencyMs).toBeGreaterThanOrEqual(stallEnd - scheduledAt);
    // The stall began with the 50th request, due 250 ms in, so its first half-second lies inside the 3 s run:
    // the ≥ 99 arrivals due from 2 to 500 ms into it (5 ms apart) waited ≥ 500 ms, the ≥ 19 due from 2 to
    // 100 ms into it (over 1% of 600) waited ≥ 900 ms.
    expect(open.operations.filter((o) => o.latencyMs >= 500).length).toBeGreaterThanOrEqual(99);
    expect(open.histogram.percentileMs(99)).toBeGreaterThanOrEqual(900);

    // Closed model: its one user was caught by the stall exactly once (the 50th request), and otherwise kept going.
    expect(closed.failures).toEqual([]);
    expect(closedServer.stallStartedAt).toBeDefined();
    const slowClosed = closed.operations.filter((o) => o.latencyMs >= 500).length;
    expect(slowClosed).toBeGreaterThanOrEqual(1);
    expect(slowClosed).toBeLessThanOrEqual(2);
    expect(closed.histogram.percentileMs(99)).toBeLessThan(open.histogram.percentileMs(99));
  });
});
