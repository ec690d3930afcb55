import { ExponentialBackoff, handleAll, noJitterGenerator, retry } from 'cockatiel';

export type StartupTask = () => Promise<void>;

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
 * late at boot delays startup, it does not crash-loop the pod.
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
      const untilDone = retry(handleAll, {
        maxAttempts: Infinity,
        backoff: new ExponentialBackoff({
          generator: noJitterGenerator,
          initialDelay: 200,
          maxDelay: options.maxDelayMs ?? 5_000,
        }),
      });
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
