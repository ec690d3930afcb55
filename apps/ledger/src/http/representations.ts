import { MAX_INT64 } from '@meridian/ledger-contract';
import type { Account } from '../domain/account';
import type { ItemResult } from '../domain/posting';
import type { PendingTransferState, Transfer } from '../domain/transfer';

/**
 * The wire form of ledger objects. Money is a decimal string of minor units
 * (JSON numbers cannot carry 64 bits); times are ISO 8601 in UTC.
 */

export function accountJson(account: Account) {
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

export function transferJson(transfer: Transfer, pending?: PendingTransferState | null) {
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

export function itemResultJson(item: ItemResult, index: number) {
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
