/** Ledger calls a round of instruction attempts makes at once (one per payer, or per account). */
export const LEDGER_CALLS_PER_ROUND = 8;

/**
 * Runs `work` on each item, at most `limit` at a time, and waits for all. Calls
 * to the ledger go through its client's bulkhead, which refuses what exceeds
 * its queue: a round with hundreds of tenants must not throw them all at once.
 */
export async function concurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
