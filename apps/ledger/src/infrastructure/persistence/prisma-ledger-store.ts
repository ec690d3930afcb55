import { Injectable } from '@nestjs/common';
import { accountKey, type AccountState } from '../../domain/account';
import type { PostingEffects, PostingState } from '../../domain/posting';
import { type PendingTransferState, type Transfer, transferKey } from '../../domain/transfer';
import type { TransferResult } from '../../domain/transfer-result';
import { LedgerStore, type PostingKeys, type PostingTransaction } from '../../application/ledger-store.port';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from './prisma.service';
import {
  type AccountRow,
  type PendingRow,
  type TransferRow,
  toAccountState,
  toPendingState,
  toTransfer,
} from './rows';

type Tx = Prisma.TransactionClient;

/**
 * The posting engine's persistence, in raw SQL through Prisma ($queryRaw with
 * bound parameters): each step is one set-based statement over arrays
 * (`unnest`), whatever the batch size, which Prisma's model API cannot express
 * (bulk insert from arrays, per-row balance updates in one UPDATE, row locks in
 * a fixed order). See docs/adr/0006-ledger-posting.md.
 */
@Injectable()
export class PrismaLedgerStore extends LedgerStore {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  inTransaction<T>(work: (tx: PostingTransaction) => Promise<T>): Promise<T> {
    return this.prisma.$transaction((tx) => work(new PrismaPostingTransaction(tx)), {
      isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
      maxWait: 5_000,
      timeout: 15_000,
    });
  }
}

const split = <T>(items: T[], ...picks: ((item: T) => unknown)[]): unknown[][] =>
  picks.map((pick) => items.map(pick));

class PrismaPostingTransaction implements PostingTransaction {
  constructor(private readonly tx: Tx) {}

  async load(keys: PostingKeys): Promise<PostingState> {
    const [{ now }] = await this.tx.$queryRaw<[{ now: Date }]>`SELECT now() AS now`;

    // Pending transfers are immutable rows: read without locks, to learn which accounts they touch.
    const pendingTransfers = await this.transfers(keys.pendingIds);
    const accountKeys = new Map<string, { tenantId: string; accountId: string }>();
    for (const key of keys.accounts) accountKeys.set(accountKey(key.tenantId, key.accountId), key);
    for (const t of pendingTransfers) {
      accountKeys.set(accountKey(t.tenantId, t.debitAccountId), {
        tenantId: t.tenantId,
        accountId: t.debitAccountId,
      });
      accountKeys.set(accountKey(t.creditTenantId, t.creditAccountId), {
        tenantId: t.creditTenantId,
        accountId: t.creditAccountId,
      });
    }

    // Lock order is (tenant_id, id) for every writer, so two batches can wait
    // for each other but never deadlock.
    const [accountTenants, accountIds] = split(
      [...accountKeys.values()],
      (k) => k.tenantId,
      (k) => k.accountId,
    );
    const accounts =
      accountKeys.size === 0
        ? []
        : await this.tx.$queryRaw<AccountRow[]>`
            SELECT * FROM accounts
             WHERE (tenant_id, id) IN (SELECT * FROM unnest(${accountTenants}::text[], ${accountIds}::text[]))
             ORDER BY tenant_id, id
             FOR UPDATE`;

    const [pendingTenants, pendingIds] = split(
      keys.pendingIds,
      (k) => k.tenantId,
      (k) => k.id,
    );
    const pendingStates =
      keys.pendingIds.length === 0
        ? []
        : await this.tx.$queryRaw<PendingRow[]>`
            SELECT * FROM pending_transfers
             WHERE (tenant_id, transfer_id) IN (SELECT * FROM unnest(${pendingTenants}::text[], ${pendingIds}::text[]))
             ORDER BY tenant_id, transfer_id
             FOR UPDATE`;

    // Read after the locks: a concurrent batch with the same id has committed by now.
    const existing = await this.transfers(keys.transferIds);
    const [failedTenants, failedIds] = split(
      keys.transferIds,
      (k) => k.tenantId,
      (k) => k.id,
    );
    const failures =
      keys.transferIds.length === 0
        ? []
        : await this.tx.$queryRaw<{ tenant_id: string; id: string; result: TransferResult }[]>`
            SELECT tenant_id, id, result FROM failed_transfers
             WHERE (tenant_id, id) IN (SELECT * FROM unnest(${failedTenants}::text[], ${failedIds}::text[]))`;

    return {
      now,
      accounts: new Map(accounts.map((row) => [accountKey(row.tenant_id, row.id), toAccountState(row)])),
      transfers: new Map([...pendingTransfers, ...existing].map((t) => [transferKey(t.tenantId, t.id), t])),
      pendingStates: new Map(
        pendingStates.map((row) => [transferKey(row.tenant_id, row.transfer_id), toPendingState(row)]),
      ),
      failures: new Map(failures.map((row) => [transferKey(row.tenant_id, row.id), row.result])),
    };
  }

  private async transfers(keys: { tenantId: string; id: string }[]): Promise<Transfer[]> {
    if (keys.length === 0) return [];
    const [tenants, ids] = split(
      keys,
      (k) => k.tenantId,
      (k) => k.id,
    );
    const rows = await this.tx.$queryRaw<TransferRow[]>`
      SELECT * FROM transfers
       WHERE (tenant_id, id) IN (SELECT * FROM unnest(${tenants}::text[], ${ids}::text[]))`;
    return rows.map(toTransfer);
  }

  async write(
    effects: PostingEffects,
    traceparentOf: (tenantId: string, transferId: string) => string | null,
  ): Promise<void> {
    await this.insertTransfers(effects.transfers);
    await this.updateBalances(effects.accounts);
    await this.insertPendingStates(effects.pendingInserts);
    await this.updatePendingStates(effects.pendingUpdates);
    await this.insertFailures(effects.failures);
    await this.insertEvents(effects, traceparentOf);
  }

  private async insertTransfers(transfers: Transfer[]): Promise<void> {
    if (transfers.length === 0) return;
    const [
      tenants,
      ids,
      debits,
      creditTenants,
      credits,
      amounts,
      currencies,
      codes,
      metadata,
      kinds,
      linked,
      pendingIds,
      timeouts,
    ] = split(
      transfers,
      (t) => t.tenantId,
      (t) => t.id,
      (t) => t.debitAccountId,
      (t) => t.creditTenantId,
      (t) => t.creditAccountId,
      (t) => t.amount.toString(),
      (t) => t.currency,
      (t) => t.code,
      (t) => JSON.stringify(t.metadata),
      (t) => t.kind,
      (t) => t.linked,
      (t) => t.pendingId,
      (t) => t.timeoutSeconds,
    );
    // A plain INSERT: a concurrent batch that created the same id makes this
    // fail with a unique violation, and the batch is retried (and then answers `exists`).
    await this.tx.$executeRaw`
      INSERT INTO transfers (tenant_id, id, debit_account_id, credit_tenant_id, credit_account_id, amount, currency,
                             code, metadata, kind, linked, pending_id, timeout_seconds)
      SELECT * FROM unnest(${tenants}::text[], ${ids}::text[], ${debits}::text[], ${creditTenants}::text[],
                           ${credits}::text[], ${amounts}::bigint[], ${currencies}::text[], ${codes}::int[],
                           ${metadata}::jsonb[], ${kinds}::text[], ${linked}::bool[], ${pendingIds}::text[],
                           ${timeouts}::int[])`;
  }

  private async updateBalances(accounts: AccountState[]): Promise<void> {
    if (accounts.length === 0) return;
    const [tenants, ids, debitsPending, debitsPosted, creditsPending, creditsPosted] = split(
      accounts,
      (a) => a.tenantId,
      (a) => a.id,
      (a) => a.debitsPending.toString(),
      (a) => a.debitsPosted.toString(),
      (a) => a.creditsPending.toString(),
      (a) => a.creditsPosted.toString(),
    );
    await this.tx.$executeRaw`
      UPDATE accounts AS a
         SET debits_pending = u.debits_pending, debits_posted = u.debits_posted,
             credits_pending = u.credits_pending, credits_posted = u.credits_posted, updated_at = now()
        FROM unnest(${tenants}::text[], ${ids}::text[], ${debitsPending}::bigint[], ${debitsPosted}::bigint[],
                    ${creditsPending}::bigint[], ${creditsPosted}::bigint[])
             AS u(tenant_id, id, debits_pending, debits_posted, credits_pending, credits_posted)
       WHERE a.tenant_id = u.tenant_id AND a.id = u.id`;
  }

  private async insertPendingStates(states: PendingTransferState[]): Promise<void> {
    if (states.length === 0) return;
    const [tenants, ids, values, expires, resolvedBy, resolvedAt] = pendingColumns(states);
    await this.tx.$executeRaw`
      INSERT INTO pending_transfers (tenant_id, transfer_id, state, expires_at, resolved_by_id, resolved_at)
      SELECT * FROM unnest(${tenants}::text[], ${ids}::text[], ${values}::text[], ${expires}::timestamptz[],
                           ${resolvedBy}::text[], ${resolvedAt}::timestamptz[])`;
  }

  private async updatePendingStates(states: PendingTransferState[]): Promise<void> {
    if (states.length === 0) return;
    const [tenants, ids, values, , resolvedBy, resolvedAt] = pendingColumns(states);
    await this.tx.$executeRaw`
      UPDATE pending_transfers AS p
         SET state = u.state, resolved_by_id = u.resolved_by_id, resolved_at = u.resolved_at
        FROM unnest(${tenants}::text[], ${ids}::text[], ${values}::text[], ${resolvedBy}::text[],
                    ${resolvedAt}::timestamptz[]) AS u(tenant_id, transfer_id, state, resolved_by_id, resolved_at)
       WHERE p.tenant_id = u.tenant_id AND p.transfer_id = u.transfer_id`;
  }

  private async insertFailures(failures: PostingEffects['failures']): Promise<void> {
    if (failures.length === 0) return;
    const [tenants, ids, results] = split(
      failures,
      (f) => f.tenantId,
      (f) => f.id,
      (f) => f.result,
    );
    await this.tx.$executeRaw`
      INSERT INTO failed_transfers (tenant_id, id, result)
      SELECT * FROM unnest(${tenants}::text[], ${ids}::text[], ${results}::text[])`;
  }

  /** Outbox rows commit with the change they describe; the relay publishes them later. */
  private async insertEvents(
    effects: PostingEffects,
    traceparentOf: (tenantId: string, transferId: string) => string | null,
  ): Promise<void> {
    if (effects.events.length === 0) return;
    const [eventIds, tenants, types, payloads] = split(
      effects.events,
      (e) => e.eventId,
      (e) => e.tenantId,
      (e) => e.type,
      (e) => JSON.stringify(eventPayload(e.transfer, e.occurredAt)),
    );
    const traceparents = effects.events.map((e) => traceparentOf(e.transfer.tenantId, e.transfer.id));
    await this.tx.$executeRaw`
      INSERT INTO outbox_events (event_id, tenant_id, type, payload, traceparent)
      SELECT * FROM unnest(${eventIds}::uuid[], ${tenants}::text[], ${types}::text[], ${payloads}::jsonb[],
                           ${traceparents}::text[])`;
  }
}

function pendingColumns(states: PendingTransferState[]): unknown[][] {
  return split(
    states,
    (p) => p.tenantId,
    (p) => p.transferId,
    (p) => p.state,
    (p) => p.expiresAt?.toISOString() ?? null,
    (p) => p.resolvedById,
    (p) => p.resolvedAt?.toISOString() ?? null,
  );
}

/** The event payload: the transfer in its wire form (amounts as strings). */
function eventPayload(transfer: Transfer, occurredAt: Date) {
  return {
    occurredAt: occurredAt.toISOString(),
    transfer: {
      tenantId: transfer.tenantId,
      id: transfer.id,
      kind: transfer.kind,
      debitAccountId: transfer.debitAccountId,
      creditTenantId: transfer.creditTenantId,
      creditAccountId: transfer.creditAccountId,
      amount: transfer.amount.toString(),
      currency: transfer.currency,
      code: transfer.code,
      pendingId: transfer.pendingId,
      createdAt: transfer.createdAt.toISOString(),
    },
  };
}
