import {
  type AccountItemResult,
  type AccountRepresentation,
  type AccountResult,
  MAX_INT64,
  type TransferItemResult,
  type TransferRepresentation,
} from '@meridian/ledger-contract';
import type { Account } from '../domain/account';
import type { ItemResult } from '../domain/posting';
import type { PendingTransferState, Transfer } from '../domain/transfer';

/** Ledger objects in their wire form, whose shapes are the ledger's contract (@meridian/ledger-contract). */

export function accountJson(account: Account): AccountRepresentation {
  return {
    tenantId: account.tenantId,
    id: account.id,
    currency: account.currency,
    code: account.code,
    metadata: account.metadata,
    flags: {
      debitsMustNotExceedCredits: account.debitsMustNotExceedCredits,
      creditsMustNotExceedDebits: account.creditsMustNotExceedDebits,
      acceptsExternalCredits: account.acceptsExternalCredits,
    },
    balances: {
      debitsPending: account.debitsPending.toString(),
      debitsPosted: account.debitsPosted.toString(),
      creditsPending: account.creditsPending.toString(),
      creditsPosted: account.creditsPosted.toString(),
    },
    createdAt: account.createdAt.toISOString(),
  };
}

export function transferJson(
  transfer: Transfer,
  pending?: PendingTransferState | null,
): TransferRepresentation {
  return {
    tenantId: transfer.tenantId,
    id: transfer.id,
    debitAccountId: transfer.debitAccountId,
    creditTenantId: transfer.creditTenantId,
    creditAccountId: transfer.creditAccountId,
    amount: transfer.amount.toString(),
    currency: transfer.currency,
    code: transfer.code,
    metadata: transfer.metadata,
    flags: {
      pending: transfer.kind === 'pending',
      postPending: transfer.kind === 'post_pending',
      voidPending: transfer.kind === 'void_pending',
      linked: transfer.linked,
    },
    ...(transfer.pendingId === null ? {} : { pendingId: transfer.pendingId }),
    ...(transfer.kind === 'pending' ? { timeoutSeconds: transfer.timeoutSeconds } : {}),
    ...(pending
      ? {
          pendingState: {
            state: pending.state,
            expiresAt: pending.expiresAt?.toISOString() ?? null,
            resolvedById: pending.resolvedById,
            resolvedAt: pending.resolvedAt?.toISOString() ?? null,
          },
        }
      : {}),
    createdAt: transfer.createdAt.toISOString(),
  };
}

export function accountResultJson(
  { result, account }: { result: AccountResult; account: Account },
  index: number,
): AccountItemResult {
  return { index, id: account.id, result, account: accountJson(account) };
}

export function itemResultJson(item: ItemResult, index: number): TransferItemResult {
  return {
    index,
    id: item.id,
    result: item.result,
    ...(item.transfer ? { transfer: transferJson(item.transfer) } : {}),
  };
}

/** Opaque cursors: the position (a sequence number) in base64url, so clients do not build them. */
export const encodeCursor = (seq: bigint): string => Buffer.from(`s${seq}`).toString('base64url');

export function decodeCursor(cursor: string): bigint | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^s\d{1,19}$/.test(text)) return null;
  // Nineteen digits can still pass BIGINT; PostgreSQL would refuse the query.
  const seq = BigInt(text.slice(1));
  return seq <= MAX_INT64 ? seq : null;
}
