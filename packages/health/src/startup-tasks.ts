import { ExponentialBackoff, handleWhen, noJitterGenerator, retry } from 'cockatiel';

export type StartupTask = () => Promise<void>;

/**
 * Thrown by a startup task that found what no retry can fix (a setting that
 * contradicts the database): startup stops there, and the service exits 1
 * with the reason instead of retrying it forever.
 */
export class StartupRefused extends Error {
  override readonly name = 'StartupRefused';
}

interface NamedTask {
  name: string;
  run: StartupTask;
}

/**
 * Boot work that must succeed before the service counts as started (the
 * startup probe turns 200): reaching the database, checking its migrations.
 * Tasks run after the server listens, so liveness answers meanwhile, and each
 * is retried with capped exponential backoff (200 ms, doubling, up to
 * `maxDelayMs`) until it succeeds or shutdown begins; a dependency that is
 * late at boot delays startup, it does not crash-loop the pod. A task that
 * throws StartupRefused is not retried: runAll rejects with it.
 */
export class StartupTasks {
  readonly #tasks: NamedTask[] = [];

  add(name: string, run: StartupTask): void {
    this.#tasks.push({ name, run });
  }

  async runAll(options: {
    onRetry: (name: string, attempt: number, error: unknown) => void;
    shouldStop: () => boolean;
    maxDelayMs?: number;
  }): Promise<boolean> {
    for (const task of this.#tasks) {
      const untilDone = retry(
        handleWhen((error) => !(error instanceof StartupRefused)),
        {
          maxAttempts: Infinity,
          backoff: new ExponentialBackoff({
            generator: noJitterGenerator,
            initialDelay: 200,
            maxDelay: options.maxDelayMs ?? 5_000,
          }),
        },
      );
      untilDone.onRetry(({ attempt, ...reason }) =>
        options.onRetry(task.name, attempt, 'error' in reason ? reason.error : reason.value),
      );
      const done = await untilDone.execute(async () => {
        if (options.shouldStop()) return false;
        await task.run();
        return true;
      });
      if (!done) return false;
    }
    return true;
  }
}
