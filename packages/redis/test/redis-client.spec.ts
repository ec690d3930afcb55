import { once } from 'node:events';
import { createRedisNamespace, TcpProxy } from '@meridian/testing';
import { closeRedisClient, createRedisClient } from '../src';

describe('createRedisClient', () => {
  const namespace = createRedisNamespace('redis_pkg');

  afterAll(() => namespace.clear());

  it('reports connection errors instead of crashing, rejects commands while Redis is down instead of holding them until it returns, and reconnects', async () => {
    const proxy = await TcpProxy.start(namespace.host, namespace.port);
    const errors: Error[] = [];
    const client = createRedisClient({
      url: `redis://${proxy.host}:${proxy.port}`,
      connectionName: 'test',
      role: 'command',
      onError: (error) => errors.push(error),
    });
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

  it('closes, and stops reconnecting, while Redis is unreachable (it does not wait for Redis to return)', async () => {
    const proxy = await TcpProxy.start(namespace.host, namespace.port);
    const client = createRedisClient({
      url: `redis://${proxy.host}:${proxy.port}`,
      connectionName: 'test',
      role: 'blocking',
      onError: () => undefined,
    });
    await client.ping();
    await proxy.stop();
    await closeRedisClient(client);
    expect(client.status).toBe('end');
  });
});
