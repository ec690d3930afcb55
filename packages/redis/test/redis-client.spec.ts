import { once } from 'node:events';
import { createRedisNamespace, TcpProxy } from '@meridian/testing';
import { closeRedisClient, createRedisClient } from '../src';

describe('createRedisClient', () => {
  const namespace = createRedisNamespace('redis_pkg');

  afterAll(() => namespace.clear());

  /** A client of `role` reaching Redis through a proxy the test can take away, hold or bring back. */
  async function clientBehindProxy(
    role: 'command' | 'blocking',
    onError: (error: Error) => void = () => undefined,
  ) {
    const proxy = await TcpProxy.start(namespace.host, namespace.port);
    const client = createRedisClient({
      url: `redis://${proxy.host}:${proxy.port}`,
      connectionName: 'test',
      role,
      onError,
    });
    return { proxy, client };
  }

  it('reports connection errors instead of crashing, rejects commands while Redis is down instead of holding them until it returns, and reconnects', async () => {
    const errors: Error[] = [];
    const { proxy, client } = await clientBehindProxy('command', (error) => errors.push(error));
    try {
      await once(client, 'ready');
      expect(await client.set(`${namespace.prefix}:k`, 'v')).toBe('OK');
      await proxy.stop();
      // Rejected while Redis is still away: the command was not queued for a reconnection.
      await expect(client.get(`${namespace.prefix}:k`)).rejects.toThrow();
      await proxy.resume();
      const deadline = Date.now() + 10_000;
      let value: string | null = null;
      while (Date.now() < deadline && value === null) {
        value = await client.get(`${namespace.prefix}:k`).catch(() => null);
        if (value === null) await new Promise((r) => setTimeout(r, 100));
      }
      expect(value).toBe('v');
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await closeRedisClient(client);
      await proxy.stop();
    }
  });

  it('sends the commands of one tick in one write (auto-pipelining), and rejects scripts as well as plain commands while Redis is down', async () => {
    const { proxy, client } = await clientBehindProxy('command');
    client.defineCommand('incrScript', { numberOfKeys: 1, lua: "return redis.call('INCR', KEYS[1])" });
    const incr = (key: string) =>
      (client as unknown as { incrScript(key: string): Promise<number> }).incrScript(key);
    try {
      await once(client, 'ready');
      const key = `${namespace.prefix}:pipelined`;
      const replies = Promise.all([client.incr(key), incr(key), client.eval('return 1', 0)]);
      // Queued for one write at the end of this tick, not written one by one.
      expect(client.autoPipelineQueueSize).toBe(3);
      expect(await replies).toEqual([1, 2, 1]);
      await proxy.stop();
      // A script defined on the client (as rate-limiter-flexible defines its own) must not hang either.
      await expect(incr(key)).rejects.toThrow();
      await expect(client.eval('return 1', 0)).rejects.toThrow();
    } finally {
      await closeRedisClient(client);
      await proxy.stop();
    }
  });

  it('fails a command Redis does not answer, and the command queued behind it, with a timeout instead of holding them', async () => {
    const { proxy, client } = await clientBehindProxy('command');
    try {
      await once(client, 'ready');
      const key = `${namespace.prefix}:held`;
      proxy.hold();
      const inFlight = client.get(key);
      // Sent in a later tick: it waits for the batch in flight, which Redis never answers.
      await new Promise((resolve) => setImmediate(resolve));
      const queued = client.get(key);
      await expect(inFlight).rejects.toThrow('Command timed out');
      await expect(queued).rejects.toThrow('Command timed out');
    } finally {
      proxy.release();
      await closeRedisClient(client);
      await proxy.stop();
    }
  });

  it('closes, and stops reconnecting, while Redis is unreachable (it does not wait for Redis to return)', async () => {
    const { proxy, client } = await clientBehindProxy('blocking');
    await client.ping();
    await proxy.stop();
    await closeRedisClient(client);
    expect(client.status).toBe('end');
  });
});
