import { createServer, type Server } from 'node:http';
import { Agent, httpRequest, TcpProxy } from '../src';

/** A replica: answers its own name, and 200 or 503 on /ready as told. */
async function replica(name: string) {
  let ready = true;
  const server: Server = createServer((request, response) => {
    if (request.url === '/ready') return response.writeHead(ready ? 200 : 503).end();
    response.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    upstream: { host: '127.0.0.1', port, readinessUrl: `http://127.0.0.1:${port}/ready` },
    setReady: (value: boolean) => void (ready = value),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('TcpProxy.balance (the local stack’s Service)', () => {
  it('spreads new connections round robin over ready replicas, and stops sending new ones to an unready replica while its open connection goes on', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    const balancer = await TcpProxy.balance([a.upstream, b.upstream], { probeIntervalMs: 20 });
    const url = `http://127.0.0.1:${balancer.port}/`;
    const fresh = async () => (await httpRequest(url)).body;
    let keptAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect([await fresh(), await fresh(), await fresh(), await fresh()]).toEqual(['a', 'b', 'a', 'b']);
      // A kept-alive connection that landed on b.
      while ((await httpRequest(url, { agent: keptAlive })).body !== 'b') {
        keptAlive.destroy();
        keptAlive = new Agent({ keepAlive: true, maxSockets: 1 });
      }
      b.setReady(false);
      while (balancer.readiness[1]) await sleep(10);
      expect([await fresh(), await fresh(), await fresh()]).toEqual(['a', 'a', 'a']);
      expect((await httpRequest(url, { agent: keptAlive })).body).toBe('b');
    } finally {
      keptAlive.destroy();
      await balancer.close();
      await a.close();
      await b.close();
    }
  });

  it('passes a connection that a replica refuses to the next ready one, before any probe has noticed', async () => {
    const [a, b] = [await replica('a'), await replica('b')];
    // No probe after the first: only the refusal can tell the balancer that b is gone.
    const balancer = await TcpProxy.balance([a.upstream, b.upstream], { probeIntervalMs: 600_000 });
    const url = `http://127.0.0.1:${balancer.port}/`;
    try {
      expect(balancer.readiness).toEqual([true, true]);
      await b.close();
      const bodies = [];
      for (let i = 0; i < 4; i++) bodies.push((await httpRequest(url)).body);
      expect(bodies).toEqual(['a', 'a', 'a', 'a']);
      expect(balancer.readiness).toEqual([true, false]);
    } finally {
      await balancer.close();
      await a.close();
    }
  });
});
