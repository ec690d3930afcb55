import type { Transfer } from '@meridian/sdk';
import type { AuditViolation } from '../report/summary';

/** The settlement worker's internal API and a caller's token for it (never printed). */
export interface SettlementAccess {
  url: string;
  token: string;
}

/** One batch as one tenant sees it (settlement's /internal/tenants/:tenantId/batches/:id). */
interface TenantBatch {
  state: string;
  obligationCount: number;
  positions: { tenantId: string; currency: string; net: string }[];
}

/** How long obligations may take to arrive (ledger outbox -> queue -> settlement) before the audit gives up. */
const ARRIVAL_DEADLINE_MS = 60_000;

/**
 * After the load: every cross-tenant transfer that exists became exactly one
 * obligation, and the nets of the run's tenants match those transfers. Runs a
 * cut-off through the settlement internal API (it closes the open window for
 * every tenant, so an operator opts in), then adds up every batch each of the
 * run's tenants took part in, whoever cut it off (a scheduled cut-off during
 * the run included), until all of the run's obligations have arrived or a
 * deadline passes; then compares, per tenant, the obligation count, and per
 * tenant and currency, the net. Needs tenants the run created: a given
 * tenant's earlier batches would count too.
 */
export async function auditSettlement(
  access: SettlementAccess,
  tenantIds: readonly string[],
  transfers: Iterable<Transfer>,
): Promise<{ obligations: number; violations: AuditViolation[] }> {
  const expectedCount = new Map<string, number>(tenantIds.map((id) => [id, 0]));
  const expectedNet = new Map<string, bigint>();
  let obligations = 0;
  for (const t of transfers) {
    if (t.creditTenantId === t.tenantId || t.flags.pending || t.flags.voidPending) continue;
    obligations++;
    for (const [tenantId, sign] of [
      [t.tenantId, -1n],
      [t.creditTenantId, 1n],
    ] as const) {
      expectedCount.set(tenantId, (expectedCount.get(tenantId) ?? 0) + 1);
      const key = `${tenantId}\u0000${t.currency}`;
      expectedNet.set(key, (expectedNet.get(key) ?? 0n) + sign * BigInt(t.amount));
    }
  }

  const deadline = Date.now() + ARRIVAL_DEADLINE_MS;
  let settled: { count: Map<string, number>; net: Map<string, bigint> };
  for (;;) {
    await cutOff(access, deadline);
    settled = await settledSoFar(access, tenantIds);
    const arrived = [...expectedCount].every(([id, want]) => (settled.count.get(id) ?? 0) >= want);
    if (arrived || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  const violations: AuditViolation[] = [];
  for (const [tenantId, want] of expectedCount) {
    const got = settled.count.get(tenantId) ?? 0;
    if (got !== want)
      violations.push({
        kind: got > want ? 'obligation-duplicated' : 'obligation-missing',
        tenantId,
        detail: `${want} cross-tenant transfers, ${got} obligations settled`,
      });
  }
  for (const key of new Set([...expectedNet.keys(), ...settled.net.keys()])) {
    const [tenantId, currency] = key.split('\u0000') as [string, string];
    const want = expectedNet.get(key) ?? 0n;
    const got = settled.net.get(key) ?? 0n;
    if (got !== want)
      violations.push({
        kind: 'net-mismatch',
        tenantId,
        currency,
        detail: `the cross-tenant transfers net to ${want}, the settled positions to ${got}`,
      });
  }
  return { obligations, violations };
}

/** Obligation counts per tenant and nets per tenant and currency, over every netted batch of each tenant. */
async function settledSoFar(access: SettlementAccess, tenantIds: readonly string[]) {
  const count = new Map<string, number>();
  const net = new Map<string, bigint>();
  for (const tenantId of tenantIds) {
    const tenant = encodeURIComponent(tenantId);
    const { data } = (await call(access, 'GET', `/internal/tenants/${tenant}/batches`)) as {
      data: { id: string }[];
    };
    for (const { id } of data) {
      const batch = (await call(
        access,
        'GET',
        `/internal/tenants/${tenant}/batches/${encodeURIComponent(id)}`,
      )) as TenantBatch;
      if (batch.state === 'closing') continue; // not netted yet: read again next round
      count.set(tenantId, (count.get(tenantId) ?? 0) + batch.obligationCount);
      for (const position of batch.positions) {
        if (position.tenantId !== tenantId) continue;
        const key = `${tenantId}\u0000${position.currency}`;
        net.set(key, (net.get(key) ?? 0n) + BigInt(position.net));
      }
    }
  }
  return { count, net };
}

/** One cut-off, followed to its end (or the deadline). */
async function cutOff(access: SettlementAccess, deadline: number): Promise<void> {
  const { jobId } = (await call(access, 'POST', '/internal/cutoffs')) as { jobId: string };
  while (Date.now() < deadline) {
    const status = (await call(access, 'GET', `/internal/cutoffs/${encodeURIComponent(jobId)}`)) as {
      state: string;
      failedReason: string | null;
    };
    if (status.state === 'failed')
      throw new Error(`settlement cut-off ${jobId} failed: ${status.failedReason}`);
    if (status.state === 'completed') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`settlement cut-off ${jobId} did not finish in time`);
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
