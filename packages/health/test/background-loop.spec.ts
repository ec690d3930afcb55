import { ShutdownHooks, startBackgroundLoop } from '../src';

const silent = (name: string, error: unknown) => {
  throw new Error(`${name} failed: ${String(error)}`);
};

describe('startBackgroundLoop', () => {
  it('runs passes back to back while there is more to do, then pauses; drain ends the pause at once and starts no pass after', async () => {
    const hooks = new ShutdownHooks();
    let passes = 0;
    let stopped = false;
    let idle!: () => void;
    const thirdPassDone = new Promise<void>((resolve) => (idle = resolve));
    startBackgroundLoop({
      name: 'test-loop',
      hooks,
      // Far longer than the test may run: only drain can end this pause.
      intervalMs: 2 ** 31 - 1,
      pass: async () => {
        passes++;
        if (passes === 3) idle();
        return passes < 3; // three passes back to back, then idle
      },
      onError: () => undefined,
      onStopped: async () => {
        stopped = true;
      },
    });
    await thirdPassDone;
    await hooks.drain(silent);
    expect(stopped).toBe(true);
    expect(passes).toBe(3);
  });

  it('backs off after a failing pass, reports each consecutive failure, and goes on', async () => {
    const hooks = new ShutdownHooks();
    const failures: number[] = [];
    let calls = 0;
    let recovered!: () => void;
    const thirdCall = new Promise<void>((resolve) => (recovered = resolve));
    startBackgroundLoop({
      name: 'flaky',
      hooks,
      intervalMs: 2 ** 31 - 1,
      pass: async () => {
        calls++;
        if (calls <= 2) throw new Error('not yet');
        recovered();
        return false;
      },
      onError: (_, n) => failures.push(n),
    });
    await thirdCall;
    expect(failures).toEqual([1, 2]);
    await hooks.drain(silent);
    expect(calls).toBe(3);
  });
});
