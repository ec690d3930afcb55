import { concurrently } from '../../src/application/concurrently';

describe('concurrently', () => {
  it('does every item, never more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await concurrently(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (item) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 1 + (item % 3)));
        done.push(item);
        running--;
      },
    );
    expect(most).toBe(4);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('does nothing for no items', async () => {
    await concurrently([], 4, () => Promise.reject(new Error('not called')));
  });
});
