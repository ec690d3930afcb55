import { setTimeout as sleep } from 'node:timers/promises';
import type { ShutdownHooks } from './shutdown-hooks';

export interface BackgroundLoopOptions {
  /** Names the loop in shutdown logs. */
  name: string;
  hooks: ShutdownHooks;
  /** One pass. Resolve true when there is more to do at once, false to pause for `intervalMs`. */
  pass: () => Promise<boolean>;
  intervalMs: number;
  /** Called when a pass throws; the loop backs off (exponentially, up to 5 s) and goes on. */
  onError: (error: unknown, consecutiveFailures: number) => void;
  /** Called once the loop has stopped, before shutdown moves on (close what only the loop used). */
  onStopped?: () => Promise<void>;
}

/**
 * Work a service does in the background, pass after pass (a relay, a
 * sweeper). It stops in the drain phase of shutdown: the pass in progress
 * finishes, a pause in progress ends at once, and no new pass starts.
 */
export function startBackgroundLoop(options: BackgroundLoopOptions): void {
  const stopping = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
  const loop = (async () => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        const more = await options.pass();
        failures = 0;
        if (!more) await pause(options.intervalMs);
      } catch (error) {
        failures++;
        options.onError(error, failures);
        await pause(Math.min(100 * 2 ** failures, 5_000));
      }
    }
  })();
  options.hooks.onDrain(options.name, async () => {
    stopping.abort();
    await loop;
    await options.onStopped?.();
  });
}
