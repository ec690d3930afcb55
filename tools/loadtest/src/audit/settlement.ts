import type { Transfer } from '@meridian/sdk';
import type { AuditViolation } from '../report/summary';

/** The settlement worker's internal API and a caller's token for it (never printed). */
export interface SettlementAccess {
  url: string;
  token: string;
}

interface Position {
  tenantId: string;
  currency: string;
  net: string;
  obligationCount: number;
}

/** How long obligations may take to arrive (ledger outbox -> queue -> settlement) before the audit gives up. */
const ARRIVAL_DEADLINE_MS = 60_000;

/**
 * After the load: every cross-tenant transfer that exists became exactly one
 * obligation, and the nets of the run's tenants match those transfers. Runs
 * cut-offs through the settlement internal API (they close the open window
 * for every tenant, so an operator opts in) until the run's obligations have
 * all arrived, then compares, per tenant and currency, the obligation count
 * and net of the batches closed since the load began with what the transfers
 * say. Needs tenants the run created: a given tenant's earlier obligations
 * would count too.
 */
export async function auditSettlement(
  access: SettlementAccess,
  tenantIds: readonly string[],
  transfers: Iterable<Transfer>,
): Promise<{ obligations: number; violations: AuditViolation[] }> {
  const expected = new Map<string, { net: bigint; count: number }>();
  let obligations = 0;
  for (const t of transfers) {
    if (t.creditTenantId === t.tenantId || t.flags.pending || t.flags.voidPending) continue;
    obligations++;
    for (const [tenantId, sign] of [
      [t.tenantId, -1n],
      [t.creditTenantId, 1n],
    ] as const) {
      const key = `${tenantId}\u0000${t.currency}`;
      const entry = expected.get(key) ?? { net: 0n, count: 0 };
      entry.net += sign * BigInt(t.amount);
      entry.count++;
      expected.set(key, entry);
    }
  }

  const run = new Set(tenantIds);
  const settled = new Map<string, { net: bigint; count: number }>();
  const arrived = () => [...expected].every(([key, want]) => (settled.get(key)?.count ?? 0) >= want.count);
  const deadline = Date.now() + ARRIVAL_DEADLINE_MS;
  while (true) {
    for (const position of await cutOff(access)) {
      if (!run.has(position.tenantId)) continue;
      const key = `${position.tenantId}\u0000${position.currency}`;
      const entry = settled.get(key) ?? { net: 0n, count: 0 };
      entry.net += BigInt(position.net);
      entry.count += position.obligationCount;
      settled.set(key, entry);
    }
    if (arrived() || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  const violations: AuditViolation[] = [];
  for (const key of new Set([...expected.keys(), ...settled.keys()])) {
    const [tenantId, currency] = key.split('\u0000') as [string, string];
    const want = expected.get(key) ?? { net: 0n, count: 0 };
    const got = settled.get(key) ?? { net: 0n, count: 0 };
    if (got.count !== want.count)
      violations.push({
        kind: got.count > want.count ? 'obligation-duplicated' : 'obligation-missing',
        tenantId,
        currency,
        detail: `${want.count} cross-tenant transfers, ${got.count} obligations settled`,
      });
    else if (got.net !== want.net)
      violations.push({
        kind: 'net-mismatch',
        tenantId,
        currency,
        detail: `the cross-tenant transfers net to ${want.net}, the settled positions to ${got.net}`,
      });
  }
  return { obligations, violations };
}

/** One cut-off, followed to its end; the positions of the batch it closed (none when the window was empty). */
async function cutOff(access: SettlementAccess): Promise<Position[]> {
  const { jobId } = (await call(access, 'POST', '/internal/cutoffs')) as { jobId: string };
  for (;;) {
    const status = (await call(access, 'GET', `/internal/cutoffs/${encodeURIComponent(jobId)}`)) as {
      state: string;
      batchId: string | null;
      failedReason: string | null;
    };
    if (status.state === 'failed')
      throw new Error(`settlement cut-off ${jobId} failed: ${status.failedReason}`);
    if (status.state === 'completed') {
      if (!status.batchId) return [];
      const batch = (await call(
        access,
        'GET',
        `/internal/batches/${encodeURIComponent(status.batchId)}`,
      )) as {
        positions: Position[];
      };
      return batch.positions;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function call(access: SettlementAccess, method: string, path: string): Promise<unknown> {
  const response = await fetch(new URL(path, access.url), {
    method,
    headers: { authorization: `Bearer ${access.token}` },
  });
  const body = (await response.json().catch(() => ({}))) as { detail?: string };
  if (!response.ok) throw new Error(`settlement ${method} ${path}: ${response.status} ${body.detail ?? ''}`);
  return body;
}
