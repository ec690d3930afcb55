import { createServer, type Server } from 'node:net';
import { connectionRefused, TcpProxy } from '../src';

/** An echo server standing for a dependency. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

async function roundTrip(port: number, text: string): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.setEncoding('utf8');
    socket.once('data', (data: string) => {
      socket.destroy();
      resolve(data);
    });
    socket.once('error', reject);
  });
}

describe('TcpProxy', () => {
  it('forwards, refuses while stopped, comes back on the same port, and adds latency', async () => {
    const { server, port } = await echoServer();
    const proxy = await TcpProxy.start('127.0.0.1', port);
    try {
      expect(await roundTrip(proxy.port, 'hello')).toBe('hello');
      const proxyPort = proxy.port;
      await proxy.stop();
      expect(await connectionRefused(proxyPort)).toBe(true);
      await proxy.resume();
      expect(proxy.port).toBe(proxyPort);
      proxy.latencyMs = 150;
      const started = Date.now();
      expect(await roundTrip(proxy.port, 'slow')).toBe('slow');
      expect(Date.now() - started).toBeGreaterThanOrEqual(280); // both directions delayed
    } finally {
      await proxy.stop();
      server.close();
    }
  });

  it('holds every chunk until released, then passes them through in order', async () => {
    const { server, port } = await echoServer();
    const proxy = await TcpProxy.start('127.0.0.1', port);
    try {
      proxy.hold();
      let answered = false;
      const reply = roundTrip(proxy.port, 'held').then((text) => {
        answered = true;
        return text;
      });
      // The request line is seen (and recorded) even while held; the answer is not.
      const echoed = roundTrip(proxy.port, 'GET /x HTTP/1.1\r\n\r\n');
      while (proxy.httpRequests.length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(answered).toBe(false);
      proxy.release();
      expect(await reply).toBe('held');
      expect(await echoed).toBe('GET /x HTTP/1.1\r\n\r\n');
    } finally {
      await proxy.stop();
      server.close();
    }
  });
});
