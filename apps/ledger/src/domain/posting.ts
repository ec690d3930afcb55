import { randomUUID } from 'node:crypto';
import { accountKey, type AccountState, type Balances, copyBalances } from './account';
import type { LedgerEvent, LedgerEventType } from './ledger-event';
import { MAX_AMOUNT } from './money';
import {
  type CreateTransferCommand,
  type ExpireCommand,
  isCreateCommand,
  type ResolvePendingCommand,
  type PendingTransferState,
  sameMetadata,
  type Transfer,
  type TransferCommand,
  transferKey,
} from './transfer';
import { isRecordedFailure, isSuccess, TransferResult } from './transfer-result';

/**
 * The posting engine: applies a batch of transfer commands to the state the
 * store has loaded and locked, one after another (a later command sees the
 * effects of earlier ones), and says what to write. It is pure: no I/O, no
 * clock but `now`, so its rules are tested exhaustively without a database.
 *
 * A batch is made of submissions (one per client request, after
 * micro-batching). Linked chains never cross a submission: a submission that
 * ends inside a chain gets `linked_event_chain_open`.
 */

export type Command = TransferCommand | ExpireCommand;

export interface PostingState {
  now: Date;
  /** Every account the batch can touch, locked by the store. */
  accounts: Map<string, AccountState>;
  /** Existing transfers among the batch's ids and pending ids. */
  transfers: Map<string, Transfer>;
  /** Locked states of the pending transfers the batch refers to. */
  pendingStates: Map<string, PendingTransferState>;
  /** Recorded failures among the batch's ids. */
  failures: Map<string, TransferResult>;
}

export interface ItemResult {
  id: string;
  result: TransferResult;
  /** The transfer, for `created` and `exists`. */
  transfer?: Transfer;
}

export interface PostingEffects {
  transfers: Transfer[];
  accounts: AccountState[];
  pendingInserts: PendingTransferState[];
  pendingUpdates: PendingTransferState[];
  failures: { tenantId: string; id: string; result: TransferResult }[];
  events: LedgerEvent[];
}

/** Effects of a batch that changes nothing, to be filled. */
export const noEffects = (): PostingEffects => ({
  transfers: [],
  accounts: [],
  pendingInserts: [],
  pendingUpdates: [],
  failures: [],
  events: [],
});

export interface PostingOutcome {
  /** Per submission, per command; expiry commands have no result. */
  results: ItemResult[][];
  effects: PostingEffects;
}

/** Undo log of one linked chain: how to put the working state back if the chain fails. */
type Undo = (() => void)[];

interface Staged {
  transfers: Transfer[];
  events: LedgerEvent[];
  pendingInserted: string[];
  pendingUpdated: string[];
}

export function post(state: PostingState, submissions: Command[][]): PostingOutcome {
  const original = new Map<string, Balances>();
  for (const [key, account] of state.accounts) original.set(key, copyBalances(account));
  const effects = noEffects();
  const pendingInserted = new Set<string>();
  const pendingUpdated = new Set<string>();
  const engine = new Engine(state);

  const results = submissions.map((commands) => {
    const out: ItemResult[] = [];
    let start = 0;
    while (start < commands.length) {
      let end = start;
      while (end < commands.length - 1 && isLinked(commands[end]!)) end++;
      const chainOpen = isLinked(commands[end]!);
      const undo: Undo = [];
      const staged: Staged = { transfers: [], events: [], pendingInserted: [], pendingUpdated: [] };
      const chain: ItemResult[] = [];
      let failedAt = -1;
      for (let i = start; i <= end; i++) {
        const command = commands[i]!;
        const result =
          chainOpen && i === end
            ? { id: idOf(command), result: TransferResult.linkedEventChainOpen }
            : engine.apply(command, undo, staged);
        chain.push(result);
        if (!isSuccess(result.result)) {
          failedAt = i - start;
          break;
        }
      }
      if (failedAt === -1) {
        effects.transfers.push(...staged.transfers);
        effects.events.push(...staged.events);
        staged.pendingInserted.forEach((k) => pendingInserted.add(k));
        staged.pendingUpdated.forEach((k) => pendingUpdated.add(k));
        out.push(...chain);
      } else {
        for (const step of undo.reverse()) step();
        const failed = chain[failedAt]!;
        for (let i = start; i <= end; i++) {
          out.push(
            i - start === failedAt
              ? failed
              : { id: idOf(commands[i]!), result: TransferResult.linkedEventFailed },
          );
        }
        const command = commands[start + failedAt]!;
        if (command.kind !== 'expire' && isRecordedFailure(failed.result)) {
          const key = transferKey(command.tenantId, command.id);
          if (!state.failures.has(key)) {
            state.failures.set(key, failed.result);
            effects.failures.push({ tenantId: command.tenantId, id: command.id, result: failed.result });
          }
        }
      }
      start = end + 1;
    }
    return out.filter((_, i) => commands[i]!.kind !== 'expire');
  });

  for (const [key, account] of state.accounts) {
    const before = original.get(key)!;
    if (
      before.debitsPending !== account.debitsPending ||
      before.debitsPosted !== account.debitsPosted ||
      before.creditsPending !== account.creditsPending ||
      before.creditsPosted !== account.creditsPosted
    ) {
      effects.accounts.push(account);
    }
  }
  for (const key of pendingInserted) effects.pendingInserts.push(state.pendingStates.get(key)!);
  for (const key of pendingUpdated) {
    if (!pendingInserted.has(key)) effects.pendingUpdates.push(state.pendingStates.get(key)!);
  }
  return { results, effects };
}

const isLinked = (command: Command): boolean => command.kind !== 'expire' && command.linked;
const idOf = (command: Command): string => (command.kind === 'expire' ? command.pendingId : command.id);

class Engine {
  constructor(private readonly state: PostingState) {}

  apply(command: Command, undo: Undo, staged: Staged): ItemResult {
    if (command.kind === 'expire') {
      this.expire(command, undo, staged);
      return { id: command.pendingId, result: TransferResult.created };
    }
    const key = transferKey(command.tenantId, command.id);
    const failure = this.state.failures.get(key);
    if (failure) return { id: command.id, result: TransferResult.idAlreadyFailed };
    const existing = this.state.transfers.get(key);
    if (existing)
      return { id: command.id, result: compareWithExisting(existing, command), transfer: existing };
    return isCreateCommand(command)
      ? this.createTransfer(command, undo, staged)
      : this.resolvePending(command, undo, staged);
  }

  private createTransfer(command: CreateTransferCommand, undo: Undo, staged: Staged): ItemResult {
    const { id, amount } = command;
    const debit = this.state.accounts.get(accountKey(command.tenantId, command.debitAccountId));
    if (!debit) return { id, result: TransferResult.debitAccountNotFound };
    if (debit.currency !== command.currency) return { id, result: TransferResult.currencyMismatch };
    // Limits count pending amounts: a reservation is as binding as a posting.
    if (
      debit.debitsMustNotExceedCredits &&
      debit.debitsPending + debit.debitsPosted + amount > debit.creditsPosted
    ) {
      return { id, result: TransferResult.exceedsCredits };
    }
    if (debit.debitsPending + debit.debitsPosted + amount > MAX_AMOUNT) {
      return { id, result: TransferResult.overflowsDebits };
    }
    const creditAccount = this.state.accounts.get(
      accountKey(command.creditTenantId, command.creditAccountId),
    );
    const creditRefusal = refusalOfCredit(creditAccount, command);
    if (creditRefusal !== null) {
      // Another tenant's account: one answer, whichever check failed.
      const external = command.creditTenantId !== command.tenantId;
      return { id, result: external ? TransferResult.externalCreditRefused : creditRefusal };
    }
    const credit = creditAccount!;

    this.remember(debit, undo);
    this.remember(credit, undo);
    if (command.kind === 'pending') {
      debit.debitsPending += amount;
      credit.creditsPending += amount;
    } else {
      debit.debitsPosted += amount;
      credit.creditsPosted += amount;
    }
    const transfer: Transfer = {
      tenantId: command.tenantId,
      id,
      kind: command.kind,
      debitAccountId: command.debitAccountId,
      creditTenantId: command.creditTenantId,
      creditAccountId: command.creditAccountId,
      amount,
      currency: command.currency,
      code: command.code,
      metadata: command.metadata,
      linked: command.linked,
      pendingId: null,
      timeoutSeconds: command.kind === 'pending' ? command.timeoutSeconds : null,
      createdAt: this.state.now,
    };
    this.addTransfer(transfer, undo, staged);
    if (command.kind === 'pending') {
      const expiresAt =
        command.timeoutSeconds === null
          ? null
          : new Date(this.state.now.getTime() + command.timeoutSeconds * 1000);
      this.setPendingState(
        {
          tenantId: command.tenantId,
          transferId: id,
          state: 'pending',
          expiresAt,
          resolvedById: null,
          resolvedAt: null,
        },
        undo,
        staged,
        true,
      );
    }
    this.emit(command.kind === 'pending' ? 'transfer.pending' : 'transfer.posted', transfer, staged);
    return { id, result: TransferResult.created, transfer };
  }

  private resolvePending(command: ResolvePendingCommand, undo: Undo, staged: Staged): ItemResult {
    const { id } = command;
    const pendingKey = transferKey(command.tenantId, command.pendingId);
    const pending = this.state.transfers.get(pendingKey);
    if (!pending) return { id, result: TransferResult.pendingTransferNotFound };
    if (pending.kind !== 'pending') return { id, result: TransferResult.pendingTransferNotPending };
    const pendingState = this.state.pendingStates.get(pendingKey)!;
    if (pendingState.state === 'posted') return { id, result: TransferResult.pendingTransferAlreadyPosted };
    if (pendingState.state === 'voided') return { id, result: TransferResult.pendingTransferAlreadyVoided };
    if (
      pendingState.state === 'expired' ||
      (pendingState.expiresAt !== null && pendingState.expiresAt.getTime() <= this.state.now.getTime())
    ) {
      // Expired but not yet swept: the sweeper releases it shortly.
      return { id, result: TransferResult.pendingTransferExpired };
    }
    const amount = command.kind === 'post_pending' ? (command.amount ?? pending.amount) : pending.amount;
    if (amount > pending.amount) return { id, result: TransferResult.exceedsPendingTransferAmount };

    const debit = this.state.accounts.get(accountKey(pending.tenantId, pending.debitAccountId))!;
    const credit = this.state.accounts.get(accountKey(pending.creditTenantId, pending.creditAccountId))!;
    this.remember(debit, undo);
    this.remember(credit, undo);
    // The whole reservation is released; a partial post books only its amount.
    debit.debitsPending -= pending.amount;
    credit.creditsPending -= pending.amount;
    if (command.kind === 'post_pending') {
      debit.debitsPosted += amount;
      credit.creditsPosted += amount;
    }
    const transfer: Transfer = {
      tenantId: command.tenantId,
      id,
      kind: command.kind,
      debitAccountId: pending.debitAccountId,
      creditTenantId: pending.creditTenantId,
      creditAccountId: pending.creditAccountId,
      amount,
      currency: pending.currency,
      code: command.code ?? pending.code,
      metadata: command.metadata,
      linked: command.linked,
      pendingId: command.pendingId,
      timeoutSeconds: null,
      createdAt: this.state.now,
    };
    this.addTransfer(transfer, undo, staged);
    this.setPendingState(
      {
        ...pendingState,
        state: command.kind === 'post_pending' ? 'posted' : 'voided',
        resolvedById: id,
        resolvedAt: this.state.now,
      },
      undo,
      staged,
      false,
    );
    this.emit(command.kind === 'post_pending' ? 'transfer.posted' : 'transfer.voided', transfer, staged);
    return { id, result: TransferResult.created, transfer };
  }

  private expire(command: ExpireCommand, undo: Undo, staged: Staged): void {
    const key = transferKey(command.tenantId, command.pendingId);
    const pending = this.state.transfers.get(key);
    const pendingState = this.state.pendingStates.get(key);
    if (!pending || !pendingState || pendingState.state !== 'pending' || pendingState.expiresAt === null)
      return;
    if (pendingState.expiresAt.getTime() > this.state.now.getTime()) return;
    const debit = this.state.accounts.get(accountKey(pending.tenantId, pending.debitAccountId))!;
    const credit = this.state.accounts.get(accountKey(pending.creditTenantId, pending.creditAccountId))!;
    this.remember(debit, undo);
    this.remember(credit, undo);
    debit.debitsPending -= pending.amount;
    credit.creditsPending -= pending.amount;
    this.setPendingState(
      { ...pendingState, state: 'expired', resolvedAt: this.state.now },
      undo,
      staged,
      false,
    );
    this.emit('transfer.expired', pending, staged);
  }

  /** Saves an account's balances so a failing chain can restore them. */
  private remember(account: AccountState, undo: Undo): void {
    const saved = copyBalances(account);
    undo.push(() => Object.assign(account, saved));
  }

  private addTransfer(transfer: Transfer, undo: Undo, staged: Staged): void {
    const key = transferKey(transfer.tenantId, transfer.id);
    this.state.transfers.set(key, transfer);
    undo.push(() => this.state.transfers.delete(key));
    staged.transfers.push(transfer);
  }

  private setPendingState(next: PendingTransferState, undo: Undo, staged: Staged, inserted: boolean): void {
    const key = transferKey(next.tenantId, next.transferId);
    const previous = this.state.pendingStates.get(key);
    this.state.pendingStates.set(key, next);
    undo.push(() => {
      if (previous) this.state.pendingStates.set(key, previous);
      else this.state.pendingStates.delete(key);
    });
    (inserted ? staged.pendingInserted : staged.pendingUpdated).push(key);
  }

  private emit(type: LedgerEventType, transfer: Transfer, staged: Staged): void {
    staged.events.push({
      eventId: randomUUID(),
      type,
      tenantId: transfer.tenantId,
      transfer,
      occurredAt: this.state.now,
    });
  }
}

/** Why the credit side of a new transfer cannot take it, or null when it can. */
function refusalOfCredit(
  credit: AccountState | undefined,
  command: CreateTransferCommand,
): TransferResult | null {
  if (!credit) return TransferResult.creditAccountNotFound;
  if (command.creditTenantId !== command.tenantId && !credit.acceptsExternalCredits)
    return TransferResult.externalCreditRefused;
  if (credit.currency !== command.currency) return TransferResult.currencyMismatch;
  if (
    credit.creditsMustNotExceedDebits &&
    credit.creditsPending + credit.creditsPosted + command.amount > credit.debitsPosted
  ) {
    return TransferResult.exceedsDebits;
  }
  if (credit.creditsPending + credit.creditsPosted + command.amount > MAX_AMOUNT)
    return TransferResult.overflowsCredits;
  return null;
}

/** Same id again: identical means success (`exists`); otherwise the first field that differs. */
function compareWithExisting(existing: Transfer, command: TransferCommand): TransferResult {
  if (existing.kind !== command.kind || existing.linked !== command.linked) {
    return TransferResult.existsWithDifferentFlags;
  }
  if (!isCreateCommand(command)) {
    if (existing.pendingId !== command.pendingId) return TransferResult.existsWithDifferentPendingId;
    if (command.amount !== null && command.amount !== existing.amount)
      return TransferResult.existsWithDifferentAmount;
    if (command.code !== null && command.code !== existing.code)
      return TransferResult.existsWithDifferentCode;
  } else {
    if (existing.debitAccountId !== command.debitAccountId)
      return TransferResult.existsWithDifferentDebitAccountId;
    if (
      existing.creditTenantId !== command.creditTenantId ||
      existing.creditAccountId !== command.creditAccountId
    ) {
      return TransferResult.existsWithDifferentCreditAccountId;
    }
    if (existing.amount !== command.amount) return TransferResult.existsWithDifferentAmount;
    if (existing.currency !== command.currency) return TransferResult.existsWithDifferentCurrency;
    if (existing.code !== command.code) return TransferResult.existsWithDifferentCode;
    if (existing.timeoutSeconds !== command.timeoutSeconds) return TransferResult.existsWithDifferentTimeout;
  }
  if (!sameMetadata(existing.metadata, command.metadata)) return TransferResult.existsWithDifferentMetadata;
  return TransferResult.exists;
}
