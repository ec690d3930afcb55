import type { Submission } from '../../src/application/posting.service';
import { TransferBatcher } from '../../src/application/transfer-batcher';
import type { ItemResult } from '../../src/domain/posting';
import { TransferResult } from '../../src/domain/transfer-result';

const submission = (id: string): Submission => ({
  commands: [{ kind: 'expire', tenantId: 't', pendingId: id }],
  traceparent: null,
});
const idsOf = (submissions: Submission[]) =>
  submissions.map((s) => (s.commands[0]!.kind === 'expire' ? s.commands[0]!.pendingId : ''));

describe('TransferBatcher', () => {
  it('re-runs the submissions of a batch that failed as a whole one by one: only the one that fails alone gets the error', async () => {
    const executed: string[][] = [];
    let release!: () => void;
    const firstBatchHeld = new Promise<void>((resolve) => (release = resolve));
    const isolated: number[] = [];
    const batcher = new TransferBatcher(
      { maxItems: 100, windowMs: 1, maxInFlight: 1 },
      async (submissions) => {
        const ids = idsOf(submissions);
        executed.push(ids);
        if (ids[0] === 'first') await firstBatchHeld;
        if (ids.includes('poison')) throw new Error('invalid byte sequence');
        return ids.map((id): ItemResult[] => [{ id, result: TransferResult.created }]);
      },
      undefined,
      (count) => isolated.push(count),
    );
    // The first submission runs alone; the next three queue behind it and merge into one batch.
    const first = batcher.submit(submission('first'));
    const merged = ['a', 'poison', 'b'].map((id) => batcher.submit(submission(id)));
    release();
    const outcomes = await Promise.allSettled([first, ...merged]);

    expect(executed).toEqual([['first'], ['a', 'poison', 'b'], ['a'], ['poison'], ['b']]);
    expect(isolated).toEqual([3]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseFulfilledResult<ItemResult[]>).value).toEqual([
      { id: 'a', result: 'created' },
    ]);
    // Its slot is given back once the last answer is out (after the current turn of the event loop).
    await new Promise((resolve) => setImmediate(resolve));
    expect(batcher.pending).toBe(0);
  });
});
