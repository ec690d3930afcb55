import type { SentTransfer } from '../audit/transfer-book';
import { answerOf, booked, reportOf } from './answers';
import type { Scenario } from './scenario';
import { newTransfer, postTransfer } from './transfer';

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
    const reserved = await postTransfer(sender, transfer);
    const first = booked(context.book, transfer, reserved);
    if (first.failure !== undefined) return first;
    const post = context.random.chance(0.5);
    const resolution: SentTransfer = {
      ...transfer,
      id: `${transfer.id}.${post ? 'p' : 'v'}`,
      kind: post ? 'post' : 'void',
      replay: {
        path: post ? '/v1/transfers/{id}/post' : '/v1/transfers/{id}/void',
        pathId: transfer.id,
        body: { id: `${transfer.id}.${post ? 'p' : 'v'}` },
        idempotencyKey: context.newIdempotencyKey(),
      },
    };
    const options = {
      params: { path: { id: transfer.id }, header: { 'Idempotency-Key': resolution.replay.idempotencyKey } },
      body: resolution.replay.body as { id: string },
    };
    const answer = await answerOf(() =>
      post
        ? sender.client.POST('/v1/transfers/{id}/post', options)
        : sender.client.POST('/v1/transfers/{id}/void', options),
    );
    booked(context.book, resolution, answer);
    return reportOf(answer, 2);
  },
};
