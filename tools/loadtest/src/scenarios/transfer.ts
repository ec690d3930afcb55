import type { SentTransfer } from '../audit/transfer-book';
import type { RunTenant } from '../workload/tenants';
import { answerOf, booked } from './answers';
import { pickAmount, pickPair, type Scenario, type ScenarioContext } from './scenario';

/** A new transfer between two accounts of one tenant or (crossTenant) of two, and the tenant that sends it. */
export function newTransfer(
  context: ScenarioContext,
  options: { crossTenant?: boolean; pending?: boolean } = {},
): { sender: RunTenant; transfer: SentTransfer } {
  const { debitTenant, debit, creditTenant, credit } = pickPair(context, options.crossTenant);
  const id = context.newTransferId();
  const body = {
    id,
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    ...(creditTenant === debitTenant ? {} : { creditTenantId: creditTenant.id }),
    amount: String(pickAmount(context.random)),
    currency: debit.currency,
    ...(options.pending ? { pending: true } : {}),
  };
  return {
    sender: debitTenant,
    transfer: {
      tenantId: debitTenant.id,
      id,
      debitAccountId: debit.id,
      creditTenantId: creditTenant.id,
      creditAccountId: credit.id,
      amount: BigInt(body.amount),
      currency: debit.currency,
      kind: options.pending ? 'pending' : 'single',
      replay: { path: '/v1/transfers', body, idempotencyKey: context.newIdempotencyKey() },
    },
  };
}

/** POST /v1/transfers with the transfer's key, once. */
export const postTransfer = (sender: RunTenant, transfer: SentTransfer, client = sender.client) =>
  answerOf(() =>
    client.POST('/v1/transfers', {
      params: { header: { 'Idempotency-Key': transfer.replay.idempotencyKey } },
      body: transfer.replay.body as never,
    }),
  );

async function sendOne(context: ScenarioContext, crossTenant: boolean) {
  const { sender, transfer } = newTransfer(context, { crossTenant });
  return booked(context.book, transfer, await postTransfer(sender, transfer));
}

export const transfer: Scenario = {
  name: 'transfer',
  description: 'one transfer between two accounts of a tenant',
  run: (context) => sendOne(context, false),
};

export const crossTenant: Scenario = {
  name: 'cross-tenant',
  description: "one transfer from a tenant's account to another tenant's (settled at the next cut-off)",
  run: (context) => sendOne(context, true),
};
