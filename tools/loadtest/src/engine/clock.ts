import { setTimeout as sleep } from 'node:timers/promises';

/** Monotonic time in milliseconds, and a way to wait for a moment of it; tests drive a virtual one. */
export interface Clock {
  now(): number;
  sleepUntil(at: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  async sleepUntil(at) {
    const wait = at - performance.now();
    if (wait > 0) await sleep(wait);
  },
};
