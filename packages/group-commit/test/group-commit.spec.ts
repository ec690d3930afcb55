import { GroupCommit, type GroupCommitOptions } from '../src';

/** A commit the test holds open until it calls release (or fail). */
interface HeldCommit {
  items: string[];
  release: () => void;
  fail: (error: Error) => void;
}

/** A GroupCommit whose commits are recorded and held: nothing completes unless the test says so. */
function held(options: Partial<GroupCommitOptions<string, string>> = {}) {
  const commits: HeldCommit[] = [];
  const group = new GroupCommit<string, string>({
    maxWeight: 100,
    maxInFlight: 1,
    windowMs: 1_000,
    onGroupFailure: 'fail-all',
    commit: (items) =>
      new Promise<string[]>((resolve, reject) => {
        commits.push({
          items,
          release: () => resolve(items.map((item) => `${item}:ok`)),
          fail: reject,
        });
      }),
    ...options,
  });
  return { group, commits, groups: () => commits.map((c) => c.items) };
}

describe('GroupCommit', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('commits an item at once when nothing is committing, and answers each writer with its own result', async () => {
    const { group, commits, groups } = held();
    const a = group.submit('a');
    expect(groups()).toEqual([['a']]);
    commits[0]!.release();
    await expect(a).resolves.toBe('a:ok');
  });

  it('queues arrivals while the only slot is busy and commits them together, in order, when it frees', async () => {
    const { group, commits, groups } = held({ maxInFlight: 1 });
    const results = ['a', 'b', 'c', 'd'].map((item) => group.submit(item));
    expect(groups()).toEqual([['a']]);
    expect(jest.getTimerCount()).toBe(0); // with every slot busy, no window runs: the free slot starts the group
    commits[0]!.release();
    await expect(results[0]).resolves.toBe('a:ok');
    await jest.advanceTimersByTimeAsync(0);
    expect(groups()).toEqual([['a'], ['b', 'c', 'd']]);
    commits[1]!.release();
    await expect(Promise.all(results.slice(1))).resolves.toEqual(['b:ok', 'c:ok', 'd:ok']);
    await group.drain();
    expect(group.pending).toBe(0);
  });

  it('reports each group as it leaves: its items, its weight and how long its oldest item queued', async () => {
    const seen: { items: number; weight: number; queuedMs: number }[] = [];
    const { group, commits } = held({
      maxInFlight: 1,
      weightOf: (item) => item.length,
      onGroup: (g) => seen.push(g),
    });
    const first = group.submit('a');
    const rest = [group.submit('bb'), group.submit('ccc')];
    await jest.advanceTimersByTimeAsync(250); // the clock (faked) moves while 'a' commits
    commits[0]!.release();
    await first;
    await jest.advanceTimersByTimeAsync(0);
    commits[1]!.release();
    await Promise.all(rest);
    expect(seen).toEqual([
      { items: 1, weight: 1, queuedMs: 0 },
      { items: 2, weight: 5, queuedMs: 250 },
    ]);
  });

  it('flushes on size: a queue that reaches maxWeight leaves at once, without waiting out the window', () => {
    const { group, groups } = held({
      maxInFlight: 2,
      maxWeight: 5,
      weightOf: (item) => item.length,
    });
    void group.submit('held'); // commits at once and stays in flight
    void group.submit('ab');
    expect(groups()).toEqual([['held']]);
    expect(jest.getTimerCount()).toBe(1); // a window for others to join
    void group.submit('cde'); // 2 + 3 = maxWeight
    expect(groups()).toEqual([['held'], ['ab', 'cde']]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('flushes on the timer: with a free slot, an arrival waits windowMs for company, then goes', async () => {
    const { group, groups } = held({ maxInFlight: 2, windowMs: 1_000 });
    void group.submit('held');
    void group.submit('a');
    await jest.advanceTimersByTimeAsync(999);
    expect(groups()).toEqual([['held']]);
    void group.submit('b');
    await jest.advanceTimersByTimeAsync(1);
    expect(groups()).toEqual([['held'], ['a', 'b']]);
  });

  it('never puts more than maxWeight in a group, but lets a heavier item go alone', async () => {
    const { group, commits, groups } = held({ maxWeight: 4, weightOf: (item) => item.length });
    void group.submit('held');
    for (const item of ['aa', 'bb', 'cccccc', 'd']) void group.submit(item);
    commits[0]!.release();
    await jest.advanceTimersByTimeAsync(0);
    commits[1]!.release();
    await jest.advanceTimersByTimeAsync(0);
    commits[2]!.release();
    await jest.advanceTimersByTimeAsync(0);
    expect(groups()).toEqual([['held'], ['aa', 'bb'], ['cccccc'], ['d']]);
  });

  it('delivers a failed commit to every writer of the group (fail-all), and goes on with the next group', async () => {
    const { group, commits } = held({ onGroupFailure: 'fail-all' });
    const first = group.submit('first');
    const merged = ['a', 'b'].map((item) => group.submit(item));
    commits[0]!.release();
    await jest.advanceTimersByTimeAsync(0);
    const failure = new Error('connection lost');
    commits[1]!.fail(failure);
    const outcomes = await Promise.allSettled([first, ...merged]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'first:ok' },
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    const later = group.submit('later');
    commits[2]!.release();
    await expect(later).resolves.toBe('later:ok');
    expect(commits).toHaveLength(3);
  });

  it('re-runs a failed group item by item (isolate): only the item that fails alone gets the error', async () => {
    const isolated: number[] = [];
    const committed: string[][] = [];
    const group = new GroupCommit<string, string>({
      maxWeight: 100,
      maxInFlight: 1,
      windowMs: 1_000,
      onGroupFailure: 'isolate',
      onIsolation: (items) => isolated.push(items),
      commit: async (items) => {
        committed.push(items);
        if (items.includes('poison')) throw new Error('invalid byte sequence');
        return items.map((item) => `${item}:ok`);
      },
    });
    const outcomes = Promise.allSettled(['first', 'a', 'poison', 'b'].map((item) => group.submit(item)));
    await group.drain();
    expect(committed).toEqual([['first'], ['a', 'poison', 'b'], ['a'], ['poison'], ['b']]);
    expect(isolated).toEqual([3]);
    expect(
      (await outcomes).map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
    ).toEqual(['first:ok', 'a:ok', 'invalid byte sequence', 'b:ok']);
  });

  it('rejects every writer when a commit answers a different number of results than items', async () => {
    const group = new GroupCommit<string, string>({
      maxWeight: 100,
      maxInFlight: 1,
      windowMs: 0,
      onGroupFailure: 'fail-all',
      commit: async (items) => (items.length > 1 ? ['only one'] : items),
    });
    const outcomes = await Promise.allSettled(['first', 'a', 'b'].map((item) => group.submit(item)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      'first',
      'commit answered 1 results for 2 items',
      'commit answered 1 results for 2 items',
    ]);
  });

  it('drain commits what waits for the window at once, resolves when all is answered, and leaves no timer', async () => {
    const { group, commits, groups } = held({ maxInFlight: 2, windowMs: 60_000 });
    void group.submit('held');
    void group.submit('a');
    expect(jest.getTimerCount()).toBe(1);
    let drained = false;
    const draining = group.drain().then(() => (drained = true));
    expect(groups()).toEqual([['held'], ['a']]);
    expect(jest.getTimerCount()).toBe(0);
    commits[1]!.release();
    await jest.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false); // 'held' is still committing
    commits[0]!.release();
    await draining;
    expect(group.pending).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
