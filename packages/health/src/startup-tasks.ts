export type StartupTask = () => Promise<void>;

interface NamedTask {
  name: string;
  run: StartupTask;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Boot work that must succeed before the service counts as started (the
 * startup probe turns 200): reaching the database, checking its migrations.
 * Tasks run after the server listens, so liveness answers meanwhile, and each
 * is retried with capped exponential backoff until it succeeds or shutdown
 * begins; a dependency that is late at boot delays startup, it does not
 * crash-loop the pod.
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
      for (let attempt = 1; ; attempt++) {
        if (options.shouldStop()) return false;
        try {
          await task.run();
          break;
        } catch (error) {
          options.onRetry(task.name, attempt, error);
          await sleep(Math.min(100 * 2 ** attempt, options.maxDelayMs ?? 5_000));
        }
      }
    }
    return true;
  }
}
