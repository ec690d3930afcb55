import { answerOf, reportOf } from './answers';
import type { Scenario } from './scenario';

/** A read: an account with its balances, or the first page of its transfers. */
export const read: Scenario = {
  name: 'read',
  description: "an account's balances or a page of its transfers",
  async run(context) {
    const tenant = context.random.pick(context.tenants);
    const account = context.random.pick(tenant.accounts);
    const path = { path: { id: account.id } };
    const answer = await answerOf(() =>
      context.random.chance(0.5)
        ? tenant.client.GET('/v1/accounts/{id}', { params: path })
        : tenant.client.GET('/v1/accounts/{id}/transfers', { params: { ...path, query: { limit: 20 } } }),
    );
    return reportOf(answer);
  },
};
