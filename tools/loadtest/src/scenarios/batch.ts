import type { SentRequest, SentTransfer } from '../audit/transfer-book';
import { answerOf, reportOf, verdictOf } from './answers';
import { pickAmount, type Scenario } from './scenario';

const BATCH_SIZE = 10;

type BatchResult = { index: number; id: string; result: string };

/** Results of a batch item that mean the transfer exists as asked. */
const DONE = new Set(['created', 'exists']);

/**
 * A batch of ten transfers between one tenant's accounts, in one request.
 * Each item is booked by its own result: created (or exists) is acknowledged,
 * any other result a refusal of that item.
 */
export const batch: Scenario = {
  name: 'batch',
  description: `${BATCH_SIZE} transfers of one tenant in one request`,
  async run(context) {
    const sender = context.random.pick(context.tenants);
    const currency = context.random.pick(sender.accounts).currency;
    const accounts = sender.accounts.filter((a) => a.currency === currency);
    const idempotencyKey = context.newIdempotencyKey();
    const items = Array.from({ length: BATCH_SIZE }, () => {
      const debit = context.random.pick(accounts);
      const credit = context.random.pick(accounts.filter((a) => a !== debit));
      return {
        id: context.newTransferId(),
        debitAccountId: debit.id,
        creditAccountId: credit.id,
        amount: String(pickAmount(context.random)),
        currency,
      };
    });
    const body = { transfers: items };
    const request: SentRequest = {
      idempotencyKey,
      send: (client) =>
        answerOf(() =>
          client.POST('/v1/transfers/batch', {
            params: { header: { 'Idempotency-Key': idempotencyKey } },
            body,
          }),
        ),
      verdictOf(answer, transferId) {
        if (!('response' in answer) || !answer.response.ok) return { verdict: verdictOf(answer), detail: '' };
        const results = (answer.data as { results?: BatchResult[] } | undefined)?.results ?? [];
        const result = results.find((r) => r.id === transferId)?.result;
        if (result === undefined) return { verdict: 'in-doubt', detail: 'not in the batch results' };
        return DONE.has(result)
          ? { verdict: 'acknowledged', detail: '' }
          : { verdict: 'refused', detail: result };
      },
    };
    const answer = await request.send(sender.client);
    let refusedItem: string | undefined;
    for (const item of items) {
      const transfer: SentTransfer = {
        tenantId: sender.id,
        id: item.id,
        debitAccountId: item.debitAccountId,
        creditTenantId: sender.id,
        creditAccountId: item.creditAccountId,
        amount: BigInt(item.amount),
        currency,
        kind: 'batch-item',
        request,
      };
      const { verdict, detail } = request.verdictOf(answer, item.id);
      context.book.record(transfer, verdict, detail);
      if (verdict === 'refused' && 'response' in answer && answer.response.ok)
        refusedItem ??= `batch-item-${detail}`;
    }
    const report = reportOf(answer);
    return report.failure === undefined && refusedItem !== undefined
      ? { ...report, failure: refusedItem }
      : report;
  },
};
