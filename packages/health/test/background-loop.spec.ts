import { ShutdownHooks, startBackgroundLoop } from '../src';

const silent = (name: string, error: unknown) => {
  throw new Error(`${name} failed: ${String(error)}`);
};

describe('startBackgroundLoop', () => {
  it('runs passes, pauses when idle, and stops at once when drained', async () => {
    const hooks = new ShutdownHooks();
    let passes = 0;
    let stopped = false;
    startBackgroundLoop({
      name: 'test-loop',
      hooks,
      intervalMs: 60_000, // an idle pause that drain must cut short
      pass: async () => ++passes < 3, // three passes back to back, then idle
      onError: () => undefined,
      onStopped: async () => {
        stopped = true;
      },
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(passes).toBe(3);
    const started = Date.now();
    await hooks.drain(silent);
    expect(Date.now() - started).toBeLessThan(500);
    expect(stopped).toBe(true);
    expect(passes).toBe(3);
  });

  it('backs off after a failing pass and goes on', async () => {
    const hooks = new ShutdownHooks();
    const failures: number[] = [];
    let calls = 0;
    startBackgroundLoop({
      name: 'flaky',
      hooks,
      intervalMs: 60_000,
      pass: async () => {
        calls++;
        if (calls <= 2) throw new Error('not yet');
        return false;
      },
      onError: (_, n) => failures.push(n),
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(failures).toEqual([1, 2]);
    expect(calls).toBe(3);
    await hooks.drain(silent);
  });
});
