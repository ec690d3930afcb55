import { Lifecycle, ShutdownHooks, ShutdownSequence, StartupTasks } from '../src';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function sequence(overrides: Partial<ConstructorParameters<typeof ShutdownSequence>[0]> = {}) {
  const events: string[] = [];
  const exits: number[] = [];
  const hooks = new ShutdownHooks();
  const lifecycle = new Lifecycle();
  lifecycle.markStarted();
  const seq = new ShutdownSequence({
    lifecycle,
    hooks,
    logger: silent,
    delayMs: 20,
    timeoutMs: 2_000,
    stopKeepAlive: () => void events.push('keep-alive stopped'),
    closeIdleConnections: () => void events.push('idle connections closed'),
    closeServer: async () => {
      events.push('server closed');
    },
    flushTelemetry: async () => {
      events.push('telemetry flushed');
    },
    exit: (code) => exits.push(code),
    ...overrides,
  });
  return { seq, hooks, lifecycle, events, exits };
}

describe('ShutdownSequence', () => {
  it('turns unready and ends keep-alive at once, then after the delay closes idle connections, drains, closes the server, closes resources last-first, flushes and exits 0', async () => {
    const { seq, hooks, lifecycle, events, exits } = sequence();
    hooks.onClose('pool', () => void events.push('pool closed'));
    hooks.onClose('redis', () => void events.push('redis closed'));
    hooks.onDrain('worker', async () => {
      await new Promise((r) => setTimeout(r, 10));
      events.push('worker drained');
    });

    const run = seq.run('SIGTERM');
    expect(lifecycle.draining).toBe(true);
    expect(events).toEqual(['keep-alive stopped']); // nothing else stops during the delay
    await run;
    expect(events).toEqual([
      'keep-alive stopped',
      'idle connections closed',
      'worker drained',
      'server closed',
      'redis closed',
      'pool closed',
      'telemetry flushed',
    ]);
    expect(exits).toEqual([0]);
  });

  it('keeps closing the other resources when one fails', async () => {
    const { seq, hooks, events, exits } = sequence();
    hooks.onClose('first', () => void events.push('first closed'));
    hooks.onClose('broken', () => {
      throw new Error('boom');
    });
    await seq.run('SIGTERM');
    expect(events).toEqual([
      'keep-alive stopped',
      'idle connections closed',
      'server closed',
      'first closed',
      'telemetry flushed',
    ]);
    expect(exits).toEqual([0]);
  });

  it('exits 1 when the timeout passes before the sequence completes', async () => {
    let exited!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (exited = resolve));
    const { seq, events } = sequence({
      timeoutMs: 100,
      closeServer: () => new Promise(() => undefined), // a request that never finishes
      exit: (code) => exited(code),
    });
    void seq.run('SIGTERM');
    expect(await exit).toBe(1);
    expect(events).toEqual(['keep-alive stopped', 'idle connections closed']); // nothing after the server was closed
  });

  it('runs only once however often it is started', async () => {
    const { seq, events } = sequence();
    await Promise.all([seq.run('SIGTERM'), seq.run('SIGTERM')]);
    expect(events.filter((e) => e === 'server closed')).toHaveLength(1);
  });
});

describe('StartupTasks', () => {
  it('retries a failing task until it succeeds', async () => {
    const tasks = new StartupTasks();
    let attempts = 0;
    tasks.add('flaky', async () => {
      attempts++;
      if (attempts < 3) throw new Error('not yet');
    });
    const retries: number[] = [];
    const done = await tasks.runAll({
      onRetry: (_, attempt) => retries.push(attempt),
      shouldStop: () => false,
      maxDelayMs: 5,
    });
    expect(done).toBe(true);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up when shutdown begins', async () => {
    const tasks = new StartupTasks();
    tasks.add('never', () => Promise.reject(new Error('down')));
    let stop = false;
    const retries: number[] = [];
    const done = await tasks.runAll({
      // Shutdown begins after the second failure.
      onRetry: (_, attempt) => {
        retries.push(attempt);
        if (attempt === 2) stop = true;
      },
      shouldStop: () => stop,
      maxDelayMs: 5,
    });
    expect(done).toBe(false);
    expect(retries).toEqual([1, 2]);
  });
});
