import type { Transfer } from '@meridian/sdk';
import type { AuditSummary, AuditViolation } from '../report/summary';
import type { RunTenant } from '../workload/tenants';
import { auditSettlement, type SettlementAccess } from './settlement';
import { type BookEntry, keyOf, type SentTransfer, type TransferBook } from './transfer-book';

type Balances = {
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
};
const zero = (): Balances => ({ debitsPending: 0n, debitsPosted: 0n, creditsPending: 0n, creditsPosted: 0n });

/**
 * After the load, through the public api only, with the run's own keys:
 *  1. every transfer left in doubt is sent again with its key; the answer says
 *     whether it exists (and, if it never arrived, makes it exist once);
 *  2. every acknowledged transfer exists once, as asked; every refused one
 *     does not; and nothing exists on the run's accounts that the run did not
 *     ask for (money moved twice under another id would show here);
 *  3. each account's balances equal the sum of the transfers that exist;
 *  4. money is conserved per currency: debits and credits of the run's
 *     accounts are equal, posted and pending;
 *  5. with the settlement internal API given, after cut-offs every
 *     cross-tenant transfer is exactly one obligation and the nets match.
 * Every violation is listed; the run fails on any.
 */
export async function auditRun(
  tenants: readonly RunTenant[],
  book: TransferBook,
  settlement?: SettlementAccess,
): Promise<AuditSummary> {
  const violations: AuditViolation[] = [];
  const inDoubt = book.all().filter((entry) => entry.verdict === 'in-doubt');
  await resolveInDoubt(tenants, book, violations);

  const existing = new Map<string, Transfer>();
  const balances = new Map<string, Balances>();
  for (const tenant of tenants)
    for (const account of tenant.accounts) {
      for (const transfer of await listTransfers(tenant, account.id))
        existing.set(keyOf(transfer.tenantId, transfer.id), transfer);
      balances.set(keyOf(tenant.id, account.id), await balancesOf(tenant, account.id));
    }

  let acknowledged = 0;
  let refused = 0;
  for (const { transfer, verdict, detail } of book.all()) {
    const found = existing.get(keyOf(transfer.tenantId, transfer.id));
    const where = { tenantId: transfer.tenantId, transferId: transfer.id };
    if (verdict === 'acknowledged') {
      acknowledged++;
      if (!found)
        violations.push({
          kind: 'acknowledged-missing',
          ...where,
          detail: 'acknowledged, but the ledger has no such transfer',
        });
      else if (differs(transfer, found))
        violations.push({
          kind: 'acknowledged-differs',
          ...where,
          detail: `asked ${describe(transfer)}, the ledger holds ${found.amount} ${found.currency} ${found.debitAccountId} -> ${found.creditTenantId}/${found.creditAccountId}`,
        });
    } else if (verdict === 'refused') {
      refused++;
      if (found)
        violations.push({
          kind: 'refused-exists',
          ...where,
          detail: `refused (${detail || 'no detail'}), yet it exists`,
        });
    }
  }
  for (const transfer of existing.values()) {
    const entry = book.get(transfer.tenantId, transfer.id);
    if (!entry)
      violations.push({
        kind: 'unexpected-transfer',
        tenantId: transfer.tenantId,
        transferId: transfer.id,
        detail: `on the run's accounts, but never asked for: ${transfer.amount} ${transfer.currency}`,
      });
  }

  const expected = expectedBalances(existing.values(), await unresolvedPending(tenants, existing));
  for (const [key, actual] of balances) {
    const want = expected.get(key) ?? zero();
    const [tenantId, accountId] = key.split('\u0000');
    for (const field of Object.keys(want) as (keyof Balances)[])
      if (want[field] !== actual[field])
        violations.push({
          kind: 'balance-mismatch',
          tenantId,
          accountId,
          detail: `${field} is ${actual[field]}, the transfers that exist sum to ${want[field]}`,
        });
  }

  const currencies = new Map<string, Balances>();
  for (const tenant of tenants)
    for (const account of tenant.accounts) {
      const total = currencies.get(account.currency) ?? zero();
      const own = balances.get(keyOf(tenant.id, account.id))!;
      for (const field of Object.keys(total) as (keyof Balances)[]) total[field] += own[field];
      currencies.set(account.currency, total);
    }
  for (const [currency, total] of currencies) {
    if (total.debitsPosted !== total.creditsPosted)
      violations.push({
        kind: 'not-conserved',
        currency,
        detail: `posted debits ${total.debitsPosted} but posted credits ${total.creditsPosted}`,
      });
    if (total.debitsPending !== total.creditsPending)
      violations.push({
        kind: 'not-conserved',
        currency,
        detail: `pending debits ${total.debitsPending} but pending credits ${total.creditsPending}`,
      });
  }

  let obligations: number | null = null;
  if (settlement) {
    const settled = await auditSettlement(
      settlement,
      tenants.map((t) => t.id),
      existing.values(),
    );
    obligations = settled.obligations;
    violations.push(...settled.violations);
  }

  return {
    ran: true,
    passed: violations.length === 0,
    checked: {
      acknowledged,
      refused,
      inDoubt: inDoubt.length,
      accounts: balances.size,
      currencies: currencies.size,
      obligations,
    },
    violations,
  };
}

/**
 * Sends each request that left a transfer in doubt again with its key (a
 * batch once for all its items) through the patient client, and settles each
 * of its transfers by the answer: done, refused (and then checked not to
 * exist), or still without a definitive answer, which is a violation.
 */
async function resolveInDoubt(
  tenants: readonly RunTenant[],
  book: TransferBook,
  violations: AuditViolation[],
) {
  const byRequest = new Map<string, BookEntry[]>();
  for (const entry of book.all())
    if (entry.verdict === 'in-doubt') {
      const key = entry.transfer.request.idempotencyKey;
      byRequest.set(key, [...(byRequest.get(key) ?? []), entry]);
    }
  for (const entries of byRequest.values()) {
    const { request, tenantId } = entries[0]!.transfer;
    const tenant = tenants.find((t) => t.id === tenantId)!;
    const answer = await request.send(tenant.carefulClient);
    for (const { transfer } of entries) {
      const { verdict, detail } = request.verdictOf(answer, transfer.id);
      if (verdict === 'in-doubt')
        violations.push({
          kind: 'in-doubt-unresolved',
          tenantId: transfer.tenantId,
          transferId: transfer.id,
          detail: `no definitive answer to its Idempotency-Key, even after the load${detail ? ` (${detail})` : ''}`,
        });
      else book.settle(transfer, verdict, detail || 'after its key was sent again');
    }
  }
}

async function listTransfers(tenant: RunTenant, accountId: string): Promise<Transfer[]> {
  const all: Transfer[] = [];
  let cursor: string | undefined;
  do {
    const { data, error, response } = await tenant.carefulClient.GET('/v1/accounts/{id}/transfers', {
      params: { path: { id: accountId }, query: { limit: 1000, ...(cursor ? { cursor } : {}) } },
    });
    if (!data)
      throw new Error(`listing ${tenant.id}/${accountId}: ${response.status} ${error?.detail ?? ''}`);
    all.push(...data.data);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

async function balancesOf(tenant: RunTenant, accountId: string): Promise<Balances> {
  const { data, error, response } = await tenant.carefulClient.GET('/v1/accounts/{id}', {
    params: { path: { id: accountId } },
  });
  if (!data) throw new Error(`reading ${tenant.id}/${accountId}: ${response.status} ${error?.detail ?? ''}`);
  const { debitsPending, debitsPosted, creditsPending, creditsPosted } = data.balances;
  return {
    debitsPending: BigInt(debitsPending),
    debitsPosted: BigInt(debitsPosted),
    creditsPending: BigInt(creditsPending),
    creditsPosted: BigInt(creditsPosted),
  };
}

/**
 * The pending transfers that still hold their amount: those no post or void
 * that exists resolves, and that the ledger still shows as pending (one that
 * expired resolves itself). Listings leave the pending state out, so it is
 * read transfer by transfer, only for these.
 */
async function unresolvedPending(
  tenants: readonly RunTenant[],
  existing: Map<string, Transfer>,
): Promise<Set<string>> {
  const resolved = new Set<string>();
  for (const transfer of existing.values())
    if ((transfer.flags.postPending || transfer.flags.voidPending) && transfer.pendingId)
      resolved.add(keyOf(transfer.tenantId, transfer.pendingId));
  const holding = new Set<string>();
  for (const [key, transfer] of existing) {
    if (!transfer.flags.pending || resolved.has(key)) continue;
    const tenant = tenants.find((t) => t.id === transfer.tenantId)!;
    const { data, error, response } = await tenant.carefulClient.GET('/v1/transfers/{id}', {
      params: { path: { id: transfer.id } },
    });
    if (!data)
      throw new Error(
        `reading ${transfer.tenantId}/${transfer.id}: ${response.status} ${error?.detail ?? ''}`,
      );
    if (data.pendingState?.state === 'pending') holding.add(key);
  }
  return holding;
}

/**
 * What each account's balances must be, from the transfers that exist: a
 * pending transfer counts as pending while it holds its amount; its post
 * counts as posted; a void counts nothing; a plain transfer counts as posted.
 */
function expectedBalances(transfers: Iterable<Transfer>, holding: Set<string>): Map<string, Balances> {
  const expected = new Map<string, Balances>();
  const of = (tenantId: string, accountId: string) => {
    const key = keyOf(tenantId, accountId);
    let balances = expected.get(key);
    if (!balances) expected.set(key, (balances = zero()));
    return balances;
  };
  for (const transfer of transfers) {
    const amount = BigInt(transfer.amount);
    const debit = of(transfer.tenantId, transfer.debitAccountId);
    const credit = of(transfer.creditTenantId, transfer.creditAccountId);
    if (transfer.flags.voidPending) continue;
    if (transfer.flags.pending) {
      if (!holding.has(keyOf(transfer.tenantId, transfer.id))) continue;
      debit.debitsPending += amount;
      credit.creditsPending += amount;
    } else {
      debit.debitsPosted += amount;
      credit.creditsPosted += amount;
    }
  }
  return expected;
}

function differs(asked: SentTransfer, found: Transfer): boolean {
  return (
    BigInt(found.amount) !== asked.amount ||
    found.currency !== asked.currency ||
    found.debitAccountId !== asked.debitAccountId ||
    found.creditAccountId !== asked.creditAccountId ||
    found.creditTenantId !== asked.creditTenantId
  );
}

const describe = (t: SentTransfer) =>
  `${t.amount} ${t.currency} ${t.debitAccountId} -> ${t.creditTenantId}/${t.creditAccountId}`;
