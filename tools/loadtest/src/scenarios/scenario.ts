import type { StatusClass } from '../report/summary';
import type { TransferBook } from '../audit/transfer-book';
import type { Random } from '../workload/random';
import type { RunAccount, RunTenant } from '../workload/tenants';

/** What one run of a scenario came to; the recorder adds the timing. */
export interface OperationReport {
  status: StatusClass;
  /** Why it failed, when it did: a problem type, `http-<status>`, `network`, or a check of the scenario's own. */
  failure?: string;
  requests: number;
}

/** What a scenario may use: the run's tenants and accounts, its random choices, and the book of transfers. */
export interface ScenarioContext {
  readonly random: Random;
  readonly tenants: readonly RunTenant[];
  readonly book: TransferBook;
  /** A transfer id no other operation of the run uses. */
  newTransferId(): string;
  /** A new Idempotency-Key. */
  newIdempotencyKey(): string;
}

/**
 * A kind of operation the load is made of. A fork adds its own by writing one
 * of these (a small module under src/scenarios/) and listing it in
 * src/scenarios/index.ts; `--mix name=weight,...` then mixes it in.
 */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(context: ScenarioContext): Promise<OperationReport>;
}

/** Two distinct accounts of one currency, from one tenant or from two. */
export function pickPair(
  context: ScenarioContext,
  crossTenant = false,
): { debitTenant: RunTenant; debit: RunAccount; creditTenant: RunTenant; credit: RunAccount } {
  const { random, tenants } = context;
  const debitTenant = random.pick(tenants);
  const others = tenants.filter((t) => t !== debitTenant);
  const creditTenant = crossTenant && others.length > 0 ? random.pick(others) : debitTenant;
  const debit = random.pick(debitTenant.accounts);
  const candidates = creditTenant.accounts.filter((a) => a.currency === debit.currency && a !== debit);
  return {
    debitTenant,
    debit,
    creditTenant,
    credit: random.pick(candidates.length > 0 ? candidates : [debit]),
  };
}

/** An amount in minor units: mostly small, now and then large, never near overflow. */
export const pickAmount = (random: Random): bigint =>
  random.chance(0.05) ? BigInt(random.int(100_000, 10_000_000)) : BigInt(random.int(1, 10_000));
