export interface GroupCommitOptions<I, R> {
  /** Writes a group of items in one transaction; answers one result per item, in their order. */
  commit: (items: I[]) => Promise<R[]>;
  /** Most weight in one group; an item heavier than this still goes, alone. */
  maxWeight: number;
  /** An item's weight (the rows it writes, say); 1 when not given. */
  weightOf?: (item: I) => number;
  /** Groups committing at once; arrivals meanwhile queue and leave together as the next group. */
  maxInFlight: number;
  /**
   * While some groups (but fewer than `maxInFlight`) are committing, how long
   * an arrival waits for others to join it before it goes anyway.
   */
  windowMs: number;
  /**
   * When a group's commit fails as a whole: `fail-all` gives the error to
   * every item's writer; `isolate` commits each item of the group again on
   * its own, so only an item that fails alone gets an error and one writer's
   * bad input never fails another's.
   */
  onGroupFailure: 'fail-all' | 'isolate';
  /** Observes each group as it leaves (metrics): its size and how long its oldest item queued. */
  onGroup?: (group: { items: number; weight: number; queuedMs: number }) => void;
  /** Observes a failed group re-run item by item (metrics). */
  onIsolation?: (items: number) => void;
}

interface Waiting<I, R> {
  item: I;
  weight: number;
  /** performance.now() at submit, for the queue wait reported to onGroup. */
  submittedAt: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: concurrent writers share transactions, each still getting its
 * own result. When nothing is committing, an item goes at once (no latency
 * added at low load); while groups commit, arrivals queue and leave together,
 * so the number of transactions (commits, lock acquisitions) grows much more
 * slowly than the number of writes. Items keep their order within a group.
 */
export class GroupCommit<I, R> {
  readonly #queue: Waiting<I, R>[] = [];
  #queuedWeight = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Callers of drain() waiting for nothing to be pending. */
  readonly #drained: (() => void)[] = [];

  constructor(private readonly options: GroupCommitOptions<I, R>) {}

  /** Resolves with the item's own result once the group it joined has committed. */
  submit(item: I): Promise<R> {
    return new Promise((resolve, reject) => {
      const weight = this.options.weightOf?.(item) ?? 1;
      this.#queue.push({ item, weight, submittedAt: performance.now(), resolve, reject });
      this.#queuedWeight += weight;
      this.#schedule();
    });
  }

  /** Items waiting or committing; zero once everything submitted has been answered. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /**
   * Commits what is queued without waiting out the window, and resolves once
   * every item submitted so far (and meanwhile) is answered; no timer is left.
   */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained.push(resolve);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#queue.length === 0 || this.#inFlight >= this.options.maxInFlight) return;
    const draining = this.#drained.length > 0;
    if (this.#inFlight === 0 || draining || this.#queuedWeight >= this.options.maxWeight) {
      this.#flush();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, this.options.windowMs);
    }
  }

  #flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#queue.length === 0 || this.#inFlight >= this.options.maxInFlight) return;
    const group: Waiting<I, R>[] = [];
    let weight = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (group.length > 0 && weight + next.weight > this.options.maxWeight) break;
      group.push(this.#queue.shift()!);
      weight += next.weight;
    }
    this.#queuedWeight -= weight;
    this.#inFlight++;
    this.options.onGroup?.({
      items: group.length,
      weight,
      queuedMs: performance.now() - group[0]!.submittedAt,
    });
    void this.#commit(group).finally(() => {
      this.#inFlight--;
      if (this.pending === 0) this.#drained.splice(0).forEach((resolve) => resolve());
      else this.#schedule();
    });
  }

  async #commit(group: Waiting<I, R>[]): Promise<void> {
    try {
      const results = await this.options.commit(group.map((w) => w.item));
      if (results.length !== group.length)
        throw new Error(`commit answered ${results.length} results for ${group.length} items`);
      group.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (this.options.onGroupFailure === 'fail-all' || group.length === 1) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      this.options.onIsolation?.(group.length);
      for (const waiting of group) await this.#commit([waiting]);
    }
  }
}
