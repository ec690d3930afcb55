import { reportOf } from './answers';
import type { Scenario } from './scenario';
import { newTransfer } from './transfer';

/** How long the careful client backs off after giving up on an attempt. */
const BACKOFF_MS = 50;

/**
 * A careful client after a timeout: the first attempt is given up on after a
 * few milliseconds (it may or may not have reached the api), and after a
 * short backoff the same request goes again with the same Idempotency-Key,
 * through the client that retries until a definitive answer (waiting out a
 * 409 while the first is still in flight, Retry-After: 1). The transfer must
 * exist once. Its latency includes the client's own waiting, by design: judge
 * it with a threshold of its own (`retry:p99<...`), or leave it out of a mix
 * judged by the run's p99.
 */
export const retry: Scenario = {
  name: 'retry',
  description: 'a transfer whose first attempt times out, re-sent with the same Idempotency-Key',
  async run(context) {
    const { sender, transfer } = newTransfer(context);
    const timeoutMs = context.random.int(1, 20);
    const first = await transfer.request.send(sender.client, { signal: AbortSignal.timeout(timeoutMs) });
    if ('response' in first) {
      // Answered in time: the careful client has nothing to retry.
      const { verdict, detail } = transfer.request.verdictOf(first, transfer.id);
      context.book.record(transfer, verdict, detail);
      return reportOf(first);
    }
    context.book.record(transfer, 'in-doubt', 'the first attempt timed out');
    await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS));
    const again = await transfer.request.send(sender.carefulClient);
    const { verdict, detail } = transfer.request.verdictOf(again, transfer.id);
    context.book.record(transfer, verdict, detail);
    return reportOf(again, 2);
  },
};

/**
 * A deliberate replay: an acknowledged transfer sent again with its key and
 * body. The answer must be the same transfer, marked Idempotent-Replayed;
 * anything else is a failure of the scenario. With nothing acknowledged yet,
 * it sends a new transfer first and replays that (two requests).
 */
export const replay: Scenario = {
  name: 'replay',
  description: 'an acknowledged transfer sent again with its Idempotency-Key',
  async run(context) {
    const known = context.book.replayable;
    let requests = 1;
    let original = known.length > 0 ? known[context.random.int(0, known.length - 1)]! : undefined;
    if (!original) {
      const fresh = newTransfer(context);
      const answer = await fresh.transfer.request.send(fresh.sender.client);
      const { verdict, detail } = fresh.transfer.request.verdictOf(answer, fresh.transfer.id);
      context.book.record(fresh.transfer, verdict, detail);
      if (verdict !== 'acknowledged') return reportOf(answer);
      original = fresh.transfer;
      requests = 2;
    }
    const sender = context.tenants.find((t) => t.id === original.tenantId)!;
    const answer = await original.request.send(sender.client);
    const report = reportOf(answer, requests);
    if (report.failure !== undefined || !('response' in answer)) return report;
    const data = answer.data as { id?: string; amount?: string } | undefined;
    if (answer.response.headers.get('idempotent-replayed') !== 'true')
      return { ...report, failure: 'replay-not-marked' };
    if (data?.id !== original.id || data.amount !== String(original.amount))
      return { ...report, failure: 'replay-answered-another-transfer' };
    return report;
  },
};
