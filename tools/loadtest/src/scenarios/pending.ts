import type { SentRequest, SentTransfer } from '../audit/transfer-book';
import { answerOf, sendAndBook, singleVerdict } from './answers';
import type { Scenario } from './scenario';
import { newTransfer } from './transfer';

/** POST /v1/transfers/{id}/post or /void, making the resolving transfer `resolutionId`. */
function resolutionRequest(
  pendingId: string,
  resolutionId: string,
  action: 'post' | 'void',
  idempotencyKey: string,
): SentRequest {
  const options = {
    params: { path: { id: pendingId }, header: { 'Idempotency-Key': idempotencyKey } },
    body: { id: resolutionId },
  };
  return {
    idempotencyKey,
    send: (client) =>
      answerOf(() =>
        action === 'post'
          ? client.POST('/v1/transfers/{id}/post', options)
          : client.POST('/v1/transfers/{id}/void', options),
      ),
    verdictOf: singleVerdict,
  };
}

/**
 * A pending transfer (a reservation), then, half the time each, its post or
 * its void: two requests, each booked, the second only once the first is
 * acknowledged.
 */
export const pending: Scenario = {
  name: 'pending',
  description: 'a pending transfer, then its post or void',
  async run(context) {
    const { sender, transfer } = newTransfer(context, { pending: true });
    const post = context.random.chance(0.5);
    const first = await sendAndBook(context.book, transfer, sender.client);
    if (first.failure !== undefined) return first;
    const action = post ? 'post' : 'void';
    const id = `${transfer.id}.${action === 'post' ? 'p' : 'v'}`;
    const resolution: SentTransfer = {
      ...transfer,
      id,
      kind: action,
      request: resolutionRequest(transfer.id, id, action, context.newIdempotencyKey()),
    };
    return sendAndBook(context.book, resolution, sender.client, 2);
  },
};
