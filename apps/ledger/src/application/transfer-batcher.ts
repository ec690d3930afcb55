import type { ItemResult } from '../domain/posting';
import type { Submission } from './posting.service';

export interface BatcherSettings {
  /** Most commands in one database transaction. */
  maxItems: number;
  /** How long a submission may wait for others to join it while a batch is already running. */
  windowMs: number;
  /** Batches running at once; more queue up and merge into bigger batches. */
  maxInFlight: number;
}

interface Waiting {
  submission: Submission;
  resolve: (results: ItemResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Micro-batching (group commit): concurrent requests are coalesced into one
 * posting transaction, each still getting its own results. When nothing is
 * running, a submission goes at once (no added latency at low load); while
 * `maxInFlight` batches run, arrivals queue and leave together, so the number
 * of transactions (commits, lock acquisitions) grows much more slowly than the
 * number of requests. Submissions keep their order within a batch.
 */
export class TransferBatcher {
  readonly #queue: Waiting[] = [];
  #queuedItems = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: BatcherSettings,
    private readonly execute: (submissions: Submission[]) => Promise<ItemResult[][]>,
    private readonly onBatch: (size: { submissions: number; items: number }) => void = () => undefined,
    private readonly onIsolation: (submissions: number) => void = () => undefined,
  ) {}

  submit(submission: Submission): Promise<ItemResult[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ submission, resolve, reject });
      this.#queuedItems += submission.commands.length;
      this.#schedule();
    });
  }

  /** Submissions waiting or running; zero once everything submitted has been answered. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  #schedule(): void {
    if (this.#queue.length === 0 || this.#inFlight >= this.settings.maxInFlight) return;
    if (this.#inFlight === 0 || this.#queuedItems >= this.settings.maxItems) {
      this.#flush();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, this.settings.windowMs);
    }
  }

  #flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#queue.length === 0 || this.#inFlight >= this.settings.maxInFlight) return;
    const batch: Waiting[] = [];
    let items = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      // A submission larger than maxItems still goes, alone.
      if (batch.length > 0 && items + next.submission.commands.length > this.settings.maxItems) break;
      batch.push(this.#queue.shift()!);
      items += next.submission.commands.length;
    }
    this.#queuedItems -= items;
    this.#inFlight++;
    this.onBatch({ submissions: batch.length, items });
    void this.#run(batch).finally(() => {
      this.#inFlight--;
      this.#schedule();
    });
  }

  /**
   * Runs a batch; when it fails as a whole (the database refused something
   * that retries cannot fix), each submission runs again on its own, so the
   * one that caused it gets the error and the others their results: one
   * client's bad request never fails another's.
   */
  async #run(batch: Waiting[]): Promise<void> {
    try {
      const results = await this.execute(batch.map((w) => w.submission));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      this.onIsolation(batch.length);
      for (const waiting of batch) await this.#run([waiting]);
    }
  }
}
