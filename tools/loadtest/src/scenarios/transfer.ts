import type { components } from '@meridian/sdk';
import type { SentRequest, SentTransfer } from '../audit/transfer-book';
import type { RunTenant } from '../workload/tenants';
import { answerOf, sendAndBook, singleVerdict } from './answers';
import { pickAmount, pickPair, type Scenario, type ScenarioContext } from './scenario';

/** What POST /v1/transfers takes, as the api's document defines it. */
type TransferBody = components['schemas']['CreateTransferRequest'];

/** POST /v1/transfers with this body and key, as often as it is sent. */
export function transferRequest(body: TransferBody, idempotencyKey: string): SentRequest {
  return {
    idempotencyKey,
    send: (client, init) =>
      answerOf(() =>
        client.POST('/v1/transfers', {
          params: { header: { 'Idempotency-Key': idempotencyKey } },
          body,
          ...(init?.signal ? { signal: init.signal } : {}),
        }),
      ),
    verdictOf: singleVerdict,
  };
}

/** A new transfer between two accounts of one tenant or (crossTenant) of two, and the tenant that sends it. */
export function newTransfer(
  context: ScenarioContext,
  options: { crossTenant?: boolean; pending?: boolean } = {},
): { sender: RunTenant; transfer: SentTransfer } {
  const { debitTenant, debit, creditTenant, credit } = pickPair(context, options.crossTenant);
  const id = context.newTransferId();
  const body: TransferBody = {
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
      request: transferRequest(body, context.newIdempotencyKey()),
    },
  };
}

async function sendOne(context: ScenarioContext, crossTenant: boolean) {
  const { sender, transfer } = newTransfer(context, { crossTenant });
  return sendAndBook(context.book, transfer, sender.client);
}

/**
 * One transfer between two accounts of a tenant. The model of a scenario
 * that moves money: make each transfer with its request (`transferRequest`,
 * or a SentRequest of your own for another route), send it, book it.
 */
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
