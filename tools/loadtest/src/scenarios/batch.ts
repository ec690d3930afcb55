import type { SentTransfer } from '../audit/transfer-book';
import { answerOf, failureOf, reportOf, verdictOf } from './answers';
import { pickAmount, type Scenario } from './scenario';

const BATCH_SIZE = 10;

type BatchResult = { index: number; result: string };

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
    const answer = await answerOf(() =>
      sender.client.POST('/v1/transfers/batch', {
        params: { header: { 'Idempotency-Key': idempotencyKey } },
        body,
      }),
    );
    const results =
      'data' in answer ? ((answer.data as { results?: BatchResult[] } | undefined)?.results ?? []) : [];
    const resultOf = new Map(results.map((r) => [r.index, r.result]));
    let refusedItem: string | undefined;
    items.forEach((item, index) => {
      const transfer: SentTransfer = {
        tenantId: sender.id,
        id: item.id,
        debitAccountId: item.debitAccountId,
        creditTenantId: sender.id,
        creditAccountId: item.creditAccountId,
        amount: BigInt(item.amount),
        currency,
        kind: 'single',
        replay: { path: '/v1/transfers/batch', body, idempotencyKey },
      };
      const result = resultOf.get(index);
      if (result === undefined) context.book.record(transfer, verdictOf(answer), failureOf(answer) ?? '');
      else if (DONE.has(result)) context.book.record(transfer, 'acknowledged');
      else {
        context.book.record(transfer, 'refused', result);
        refusedItem ??= `batch-item-${result}`;
      }
    });
    const report = reportOf(answer);
    return report.failure === undefined && refusedItem !== undefined
      ? { ...report, failure: refusedItem }
      : report;
  },
};
