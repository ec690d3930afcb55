import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@meridian/config/nest';
import { type LedgerEventJob, tenantPartition } from '@meridian/ledger-contract';
import { type PoolClient, type QueryResult, TypeOverrides, types } from 'pg';
import { accountKey, type AccountState } from '../../domain/account';
import type { PostingEffects, PostingState } from '../../domain/posting';
import { type PendingTransferState, type Transfer, transferKey } from '../../domain/transfer';
import type { TransferResult } from '../../domain/transfer-result';
import { LedgerStore, type PostingKeys, type PostingTransaction } from '../../application/ledger-store.port';
import type { LedgerConfig } from '../../config';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from './prisma.service';
import {
  type LockedAccountRow,
  type PendingRow,
  type TransferRow,
  toAccountState,
  toPendingState,
  toTransfer,
} from './rows';

/**
 * BIGINT columns as bigint, as the row types (and Prisma's $queryRaw) have
 * them; pg's default is a string. Everything else keeps pg's parsers.
 */
const rowTypes = new TypeOverrides();
rowTypes.setTypeParser(types.builtins.INT8, (value: string) => BigInt(value));

/**
 * A posting transaction never runs longer than this: a batch stuck behind
 * locks fails (and is re-run item by item) rather than holding its
 * connection and its callers.
 */
const POSTING_STATEMENT_TIMEOUT_MS = 15_000;

/** The connection broke under the transaction: retried like the database's own connection errors. */
export class PostingConnectionLost extends Error {
  /** The code the retry policy and the problem filter know for a lost connection (as Prisma's driver adapter names it). */
  readonly code = 'ConnectionClosed';

  constructor(cause: unknown) {
    super('the database connection was lost during a posting transaction', { cause });
  }
}

/**
 * The posting engine's persistence, in raw SQL on a pg connection of the
 * pool Prisma's driver adapter uses: each step is one set-based statement over
 * the batch's rows, whatever the batch size, which Prisma's model API cannot
 * express (bulk insert from arrays, per-row balance updates in one UPDATE,
 * row locks in a fixed order). Statements are built with Prisma.sql and sent,
 * with their values as quoted literals, several to a round trip on the
 * connection itself rather than through Prisma's interactive transaction,
 * which cost twice the time and 2.7 times the CPU per transaction
 * (docs/adr/0006-ledger-posting.md, "Where the time goes", "Fewer round trips").
 */
@Injectable()
export class PgLedgerStore extends LedgerStore {
  constructor(
    private readonly prisma: PrismaService,
    @InjectConfig() private readonly config: Pick<LedgerConfig, 'LEDGER_PARTITIONS'>,
  ) {
    super();
  }

  async inTransaction<T>(work: (tx: PostingTransaction) => Promise<T>): Promise<T> {
    const client = await this.prisma.pool.connect();
    let broken: Error | undefined;
    // A connection that breaks while checked out emits 'error' on its client
    // (the pool listens only to idle ones): unheard, that would end the
    // process. The statement in flight fails as well, and is handled below.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      const tx = new SqlPostingTransaction(client, this.config.LEDGER_PARTITIONS);
      const result = await work(tx);
      await tx.end();
      return result;
    } catch (error) {
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      if (rolledBack) throw error;
      // Neither the statement nor the rollback got an answer: the connection
      // is gone (an error from the server itself would carry a SQLSTATE and
      // leave the connection usable). It is discarded, not returned to the pool.
      broken ??= error instanceof Error ? error : new Error(String(error));
      throw hasSqlState(error) ? error : new PostingConnectionLost(error);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}

const hasSqlState = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'severity' in error && 'code' in error;

/**
 * READ COMMITTED (PostgreSQL's default): the row locks, not the isolation
 * level, are what make a batch safe.
 */
const OPEN = [`BEGIN`, `SET LOCAL statement_timeout = ${POSTING_STATEMENT_TIMEOUT_MS}`];

/**
 * A statement as SQL text with its values written in as literals, so that
 * several statements can share one round trip (the simple query protocol;
 * bound parameters allow one statement per round trip). Values are the
 * batch's JSON documents and integers.
 */
function inline(statement: Prisma.Sql): string {
  let text = statement.strings[0]!;
  statement.values.forEach((value, i) => {
    text += literal(value) + statement.strings[i + 1]!;
  });
  return text;
}

function literal(value: unknown): string {
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (value === null) return 'NULL';
  throw new TypeError(`no literal form for a value of type ${typeof value} in a posting statement`);
}

/**
 * A string literal, correct whatever standard_conforming_strings says: quotes
 * doubled, and with a backslash present the E'' form with backslashes doubled.
 * The same text as pg's escapeLiteral (a test holds them equal), which builds
 * it a character at a time: 12 ms for a 1,000-transfer batch, against
 * microseconds here.
 */
export function quoted(text: string): string {
  return text.includes('\\')
    ? ` E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
    : `'${text.replaceAll("'", "''")}'`;
}

/**
 * Rows travel to PostgreSQL as one JSON document per statement
 * (`jsonb_to_recordset('[...]'::jsonb) AS r(col type, ...)`): one literal
 * however large the batch, serialized natively, instead of an array per
 * column to be written out element by element.
 */
const rows = (items: object[]): string => JSON.stringify(items);

const keyRows = (keys: { tenantId: string; id: string }[]): string =>
  rows(keys.map((k) => ({ t: k.tenantId, i: k.id })));

/**
 * One posting transaction on its connection, in as few round trips as the
 * batch allows: BEGIN rides with the first statements, the id lookup with the
 * locks, and COMMIT with the write, so a plain batch costs two round trips
 * (ADR 0006, "Fewer round trips"). Each statement still runs on its own, in
 * order: under READ COMMITTED each takes a new snapshot, so the id lookup
 * sees what a batch that held the same locks committed while this one waited.
 * An error stops the rest of a round trip's statements (COMMIT included);
 * the caller then rolls back.
 */
class SqlPostingTransaction implements PostingTransaction {
  #state: 'unopened' | 'open' | 'ended' = 'unopened';

  constructor(
    private readonly client: PoolClient,
    private readonly partitions: number,
  ) {}

  /** Sends the statements in one round trip and answers each one's rows; `commit` ends the transaction with them. */
  private async roundTrip(statements: Prisma.Sql[], commit = false): Promise<unknown[][]> {
    if (this.#state === 'ended') throw new Error('the posting transaction has ended: write is its last step');
    const opening = this.#state === 'unopened' ? OPEN : [];
    this.#state = commit ? 'ended' : 'open';
    const text = [...opening, ...statements.map(inline), ...(commit ? ['COMMIT'] : [])].join(';\n');
    const answer = (await this.client.query({ text, types: rowTypes })) as
      QueryResult<Record<string, unknown>> | QueryResult<Record<string, unknown>>[];
    const results = Array.isArray(answer) ? answer : [answer];
    return results.slice(opening.length, opening.length + statements.length).map((result) => result.rows);
  }

  /** Commits what is still open (a transaction whose work wrote nothing). */
  async end(): Promise<void> {
    if (this.#state === 'open') await this.roundTrip([], true);
    this.#state = 'ended';
  }

  /**
   * One round trip for a plain batch: lock the accounts, read the
   * transaction's clock, look up which ids already exist or failed. Pending
   * transfers add one before it (their immutable rows, which name the
   * accounts to lock) and lock their states in it; an id seen again adds one
   * after it, for the rows to answer with.
   */
  async load(keys: PostingKeys): Promise<PostingState> {
    const pendingTransfers = await this.transfersByKey(keys.pendingIds);
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
    const accountKeyRows = keyRows(
      [...accountKeys.values()].map((k) => ({ tenantId: k.tenantId, id: k.accountId })),
    );
    // Only what the engine needs: every column read is decoded per row.
    const lockAccounts = Prisma.sql`
      SELECT tenant_id, id, currency, debits_must_not_exceed_credits, credits_must_not_exceed_debits,
             accepts_external_credits, debits_pending, debits_posted, credits_pending, credits_posted
        FROM accounts
       WHERE (tenant_id, id) IN (SELECT t, i FROM jsonb_to_recordset(${accountKeyRows}::jsonb) AS k(t text, i text))
       ORDER BY tenant_id, id
       FOR UPDATE`;
    const clock = Prisma.sql`SELECT now() AS now`;
    // After the locks: a concurrent batch with the same id has committed by
    // now. Usually nothing is found, so only keys are read; rows follow if needed.
    const lookupIds = Prisma.sql`
      WITH wanted AS (SELECT t AS tenant_id, i AS id
                        FROM jsonb_to_recordset(${keyRows(keys.transferIds)}::jsonb) AS k(t text, i text))
      SELECT t.tenant_id, t.id, NULL AS result FROM transfers t JOIN wanted USING (tenant_id, id)
      UNION ALL
      SELECT f.tenant_id, f.id, f.result FROM failed_transfers f JOIN wanted USING (tenant_id, id)`;
    // Pending states are locked only when the batch names pending transfers.
    const lockPendingStates = (pendingIds: PostingKeys['pendingIds']) => Prisma.sql`
      SELECT * FROM pending_transfers
       WHERE (tenant_id, transfer_id) IN
             (SELECT t, i FROM jsonb_to_recordset(${keyRows(pendingIds)}::jsonb) AS k(t text, i text))
       ORDER BY tenant_id, transfer_id
       FOR UPDATE`;
    const withPending = keys.pendingIds.length > 0;
    const answers = await this.roundTrip(
      withPending
        ? [lockAccounts, clock, lockPendingStates(keys.pendingIds), lookupIds]
        : [lockAccounts, clock, lookupIds],
    );
    const accounts = answers[0] as LockedAccountRow[];
    const now = (answers[1] as { now: Date }[])[0]!.now;
    const pendingStates = (withPending ? answers[2] : []) as PendingRow[];
    const seen = answers[answers.length - 1] as {
      tenant_id: string;
      id: string;
      result: TransferResult | null;
    }[];

    const failures = seen.filter((row) => row.result !== null);
    const existingKeys = seen
      .filter((row) => row.result === null)
      .map((row) => ({ tenantId: row.tenant_id, id: row.id }));
    const existing = await this.transfersByKey(existingKeys);

    return {
      now,
      accounts: new Map(accounts.map((row) => [accountKey(row.tenant_id, row.id), toAccountState(row)])),
      transfers: new Map([...pendingTransfers, ...existing].map((t) => [transferKey(t.tenantId, t.id), t])),
      pendingStates: new Map(
        pendingStates.map((row) => [transferKey(row.tenant_id, row.transfer_id), toPendingState(row)]),
      ),
      failures: new Map(failures.map((row) => [transferKey(row.tenant_id, row.id), row.result!])),
    };
  }

  private async transfersByKey(keys: { tenantId: string; id: string }[]): Promise<Transfer[]> {
    if (keys.length === 0) return [];
    const wanted = keyRows(keys);
    const [found] = await this.roundTrip([
      Prisma.sql`
        SELECT * FROM transfers
         WHERE (tenant_id, id) IN (SELECT t, i FROM jsonb_to_recordset(${wanted}::jsonb) AS k(t text, i text))`,
    ]);
    return (found as TransferRow[]).map(toTransfer);
  }

  /**
   * Everything a batch changes, in one statement, then its events, and COMMIT
   * with them: one data-modifying CTE per kind of row, each set-based over
   * arrays. Rows are inserted with plain INSERTs: a concurrent batch that
   * created the same id makes the statement fail with a unique violation, and
   * the batch is retried (then answering `exists`). The events go last, as
   * the statement that takes their partitions' sequence rows: those locks
   * are then held only until the COMMIT that follows in the same round trip,
   * and taken after every other lock of the batch, so they add no deadlock.
   */
  async write(
    effects: PostingEffects,
    traceparentOf: (tenantId: string, transferId: string) => string | null,
  ): Promise<void> {
    const steps = [
      recordIds(effects),
      insertTransfers(effects.transfers),
      updateBalances(effects.accounts),
      insertPendingStates(effects.pendingInserts),
      updatePendingStates(effects.pendingUpdates),
      insertFailures(effects.failures),
    ].filter((step): step is Prisma.Sql => step !== null);
    const events = insertEvents(effects, traceparentOf, this.partitions);
    if (steps.length === 0 && events === null) return this.end();
    const ctes = Prisma.join(
      steps.map((step, i) => Prisma.sql`${Prisma.raw(`step_${i}`)} AS (${step})`),
      ', ',
    );
    await this.roundTrip(
      [...(steps.length > 0 ? [Prisma.sql`WITH ${ctes} SELECT 1`] : []), ...(events ? [events] : [])],
      true,
    );
  }
}

/**
 * The ids this batch gives an outcome (posted or failed), in the one table
 * whose primary key spans both: a concurrent batch that recorded one of them
 * makes this fail with a unique violation, and the rerun answers its outcome.
 * Inserted in key order, so two batches that share ids wait for each other on
 * the first of them rather than deadlock.
 */
function recordIds(effects: PostingEffects): Prisma.Sql | null {
  const ids = [...effects.transfers, ...effects.failures].map((t) => ({ tenantId: t.tenantId, id: t.id }));
  if (ids.length === 0) return null;
  return Prisma.sql`
    INSERT INTO transfer_ids (tenant_id, id)
    SELECT t, i FROM jsonb_to_recordset(${keyRows(ids)}::jsonb) AS r(t text, i text) ORDER BY t, i`;
}

function insertTransfers(transfers: Transfer[]): Prisma.Sql | null {
  if (transfers.length === 0) return null;
  const data = rows(
    transfers.map((t) => ({
      tenant_id: t.tenantId,
      id: t.id,
      debit_account_id: t.debitAccountId,
      credit_tenant_id: t.creditTenantId,
      credit_account_id: t.creditAccountId,
      amount: t.amount.toString(),
      currency: t.currency,
      code: t.code,
      metadata: t.metadata,
      kind: t.kind,
      linked: t.linked,
      pending_id: t.pendingId,
      timeout_seconds: t.timeoutSeconds,
    })),
  );
  return Prisma.sql`
    INSERT INTO transfers (tenant_id, id, debit_account_id, credit_tenant_id, credit_account_id, amount, currency,
                           code, metadata, kind, linked, pending_id, timeout_seconds)
    SELECT tenant_id, id, debit_account_id, credit_tenant_id, credit_account_id, amount, currency,
           code, metadata, kind, linked, pending_id, timeout_seconds
      FROM jsonb_to_recordset(${data}::jsonb) AS r(tenant_id text, id text, debit_account_id text,
           credit_tenant_id text, credit_account_id text, amount bigint, currency text, code int, metadata jsonb,
           kind text, linked bool, pending_id text, timeout_seconds int)`;
}

function updateBalances(accounts: AccountState[]): Prisma.Sql | null {
  if (accounts.length === 0) return null;
  const data = rows(
    accounts.map((a) => ({
      tenant_id: a.tenantId,
      id: a.id,
      debits_pending: a.debitsPending.toString(),
      debits_posted: a.debitsPosted.toString(),
      credits_pending: a.creditsPending.toString(),
      credits_posted: a.creditsPosted.toString(),
    })),
  );
  return Prisma.sql`
    UPDATE accounts AS a
       SET debits_pending = u.debits_pending, debits_posted = u.debits_posted,
           credits_pending = u.credits_pending, credits_posted = u.credits_posted, updated_at = now()
      FROM jsonb_to_recordset(${data}::jsonb) AS u(tenant_id text, id text, debits_pending bigint,
           debits_posted bigint, credits_pending bigint, credits_posted bigint)
     WHERE a.tenant_id = u.tenant_id AND a.id = u.id`;
}

function pendingRows(states: PendingTransferState[]): string {
  return rows(
    states.map((p) => ({
      tenant_id: p.tenantId,
      transfer_id: p.transferId,
      state: p.state,
      expires_at: p.expiresAt?.toISOString() ?? null,
      resolved_by_id: p.resolvedById,
      resolved_at: p.resolvedAt?.toISOString() ?? null,
    })),
  );
}

function insertPendingStates(states: PendingTransferState[]): Prisma.Sql | null {
  if (states.length === 0) return null;
  return Prisma.sql`
    INSERT INTO pending_transfers (tenant_id, transfer_id, state, expires_at, resolved_by_id, resolved_at)
    SELECT tenant_id, transfer_id, state, expires_at, resolved_by_id, resolved_at
      FROM jsonb_to_recordset(${pendingRows(states)}::jsonb) AS r(tenant_id text, transfer_id text, state text,
           expires_at timestamptz, resolved_by_id text, resolved_at timestamptz)`;
}

function updatePendingStates(states: PendingTransferState[]): Prisma.Sql | null {
  if (states.length === 0) return null;
  return Prisma.sql`
    UPDATE pending_transfers AS p
       SET state = u.state, resolved_by_id = u.resolved_by_id, resolved_at = u.resolved_at
      FROM jsonb_to_recordset(${pendingRows(states)}::jsonb) AS u(tenant_id text, transfer_id text, state text,
           resolved_by_id text, resolved_at timestamptz)
     WHERE p.tenant_id = u.tenant_id AND p.transfer_id = u.transfer_id`;
}

function insertFailures(failures: PostingEffects['failures']): Prisma.Sql | null {
  if (failures.length === 0) return null;
  const data = rows(failures.map((f) => ({ tenant_id: f.tenantId, id: f.id, result: f.result })));
  return Prisma.sql`
    INSERT INTO failed_transfers (tenant_id, id, result)
    SELECT tenant_id, id, result FROM jsonb_to_recordset(${data}::jsonb) AS r(tenant_id text, id text, result text)`;
}

/**
 * The batch's events commit with the change they describe, as one outbox row
 * per partition holding that partition's events in order (each in the form of
 * its ledger-events job); the relay publishes them later. Each row's events
 * take the next sequences of their partition: the upsert locks the
 * partitions' rows in partition order and holds them until COMMIT, so a
 * partition's sequences are gapless and follow commit order.
 */
function insertEvents(
  effects: PostingEffects,
  traceparentOf: (tenantId: string, transferId: string) => string | null,
  partitions: number,
): Prisma.Sql | null {
  if (effects.events.length === 0) return null;
  const byPartition = new Map<number, LedgerEventJob[]>();
  for (const e of effects.events) {
    const partition = tenantPartition(e.tenantId, partitions);
    let events = byPartition.get(partition);
    if (!events) byPartition.set(partition, (events = []));
    events.push({
      eventId: e.eventId,
      type: e.type,
      tenantId: e.tenantId,
      ...eventPayload(e.transfer, e.occurredAt),
      traceparent: traceparentOf(e.transfer.tenantId, e.transfer.id),
    });
  }
  const data = rows([...byPartition].map(([p, events]) => ({ p, n: events.length, events })));
  return Prisma.sql`
    WITH batch AS (SELECT p, n, events FROM jsonb_to_recordset(${data}::jsonb) AS r(p int, n int, events jsonb)),
         sequenced AS (
           INSERT INTO partition_sequences (partition, last_sequence)
           SELECT p, n FROM batch ORDER BY p
           ON CONFLICT (partition) DO UPDATE SET last_sequence = partition_sequences.last_sequence + excluded.last_sequence
           RETURNING partition, last_sequence)
    INSERT INTO partition_outbox (partition, first_sequence, events, event_count)
    SELECT b.p, s.last_sequence - b.n + 1, b.events, b.n FROM batch b JOIN sequenced s ON s.partition = b.p`;
}

/** The event payload: the transfer in its wire form (amounts as strings). */
function eventPayload(transfer: Transfer, occurredAt: Date): Pick<LedgerEventJob, 'occurredAt' | 'transfer'> {
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
