import { answerOf, booked, reportOf } from './answers';
import type { Scenario } from './scenario';
import { newTransfer, postTransfer } from './transfer';

/** How long the careful client backs off after giving up on an attempt. */
const BACKOFF_MS = 50;

/**
 * A careful client after a timeout: the first attempt is given up on after a
 * few milliseconds (it may or may not have reached the api), and after a
 * short backoff the same request goes again with the same Idempotency-Key,
 * through the client that retries until a definitive answer (waiting out a
 * 409 while the first is still in flight). The transfer must exist once.
 */
export const retry: Scenario = {
  name: 'retry',
  description: 'a transfer whose first attempt times out, re-sent with the same Idempotency-Key',
  async run(context) {
    const { sender, transfer } = newTransfer(context);
    const timeoutMs = context.random.int(1, 20);
    const first = await answerOf(() =>
      sender.client.POST('/v1/transfers', {
        params: { header: { 'Idempotency-Key': transfer.replay.idempotencyKey } },
        body: transfer.replay.body as never,
        signal: AbortSignal.timeout(timeoutMs),
      }),
    );
    // Answered in time: the careful client has nothing to retry.
    if ('response' in first) return booked(context.book, transfer, first);
    await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS));
    const again = await postTransfer(sender, transfer, sender.carefulClient);
    return booked(context.book, transfer, again, 2);
  },
};

/**
 * A deliberate replay: an acknowledged transfer sent again with its key and
 * body. The answer must be the same transfer, marked Idempotent-Replayed;
 * anything else is a failure of the scenario.
 */
export const replay: Scenario = {
  name: 'replay',
  description: 'an acknowledged transfer sent again with its Idempotency-Key',
  async run(context) {
    const known = context.book.replayable;
    if (known.length === 0) return retry.run(context);
    const original = known[context.random.int(0, known.length - 1)]!;
    const sender = context.tenants.find((t) => t.id === original.tenantId)!;
    const answer = await postTransfer(sender, original);
    const report = reportOf(answer);
    if (report.failure !== undefined || !('response' in answer)) return report;
    const data = answer.data as { id?: string; amount?: string } | undefined;
    if (answer.response.headers.get('idempotent-replayed') !== 'true')
      return { ...report, failure: 'replay-not-marked' };
    if (data?.id !== original.id || data.amount !== String(original.amount))
      return { ...report, failure: 'replay-answered-another-transfer' };
    return report;
  },
};
