import { once } from 'node:events';
import { createRedisNamespace, TcpProxy } from '@meridian/testing';
import { closeRedisClient, createRedisClient } from '../src';

describe('createRedisClient', () => {
  const namespace = createRedisNamespace('redis_pkg');

  afterAll(() => namespace.clear());

  it('reports connection errors instead of crashing, fails fast while Redis is down, and reconnects', async () => {
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
      const started = Date.now();
      await expect(client.get(`${namespace.prefix}:k`)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_000);
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

  it('closes promptly even when Redis is unreachable', async () => {
    const proxy = await TcpProxy.start(namespace.host, namespace.port);
    const client = createRedisClient({
      url: `redis://${proxy.host}:${proxy.port}`,
      connectionName: 'test',
      role: 'blocking',
      onError: () => undefined,
    });
    await client.ping();
    await proxy.stop();
    const started = Date.now();
    await closeRedisClient(client);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(client.status).toBe('end');
  });
});
