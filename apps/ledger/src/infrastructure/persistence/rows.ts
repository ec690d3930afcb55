import type { Account, AccountState } from '../../domain/account';
import type {
  Metadata,
  PendingState,
  PendingTransferState,
  Transfer,
  TransferKind,
} from '../../domain/transfer';
import type {
  Account as AccountModel,
  PendingTransfer as PendingTransferModel,
  Transfer as TransferModel,
} from '../../generated/prisma/client';

/** Rows as $queryRaw returns them (snake_case columns, BIGINT as bigint). */
export interface AccountRow {
  tenant_id: string;
  id: string;
  currency: string;
  code: number;
  metadata: Metadata;
  debits_must_not_exceed_credits: boolean;
  credits_must_not_exceed_debits: boolean;
  accepts_external_credits: boolean;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
  seq: bigint;
  created_at: Date;
  updated_at: Date;
}

export interface TransferRow {
  tenant_id: string;
  id: string;
  debit_account_id: string;
  credit_tenant_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
  code: number;
  metadata: Metadata;
  kind: TransferKind;
  linked: boolean;
  pending_id: string | null;
  timeout_seconds: number | null;
  seq: bigint;
  created_at: Date;
}

export interface PendingRow {
  tenant_id: string;
  transfer_id: string;
  state: PendingState;
  expires_at: Date | null;
  resolved_by_id: string | null;
  resolved_at: Date | null;
}

/** The columns of an account the posting engine reads (and locks). */
export type LockedAccountRow = Pick<
  AccountRow,
  | 'tenant_id'
  | 'id'
  | 'currency'
  | 'debits_must_not_exceed_credits'
  | 'credits_must_not_exceed_debits'
  | 'accepts_external_credits'
  | 'debits_pending'
  | 'debits_posted'
  | 'credits_pending'
  | 'credits_posted'
>;

export const toAccountState = (row: LockedAccountRow): AccountState => ({
  tenantId: row.tenant_id,
  id: row.id,
  currency: row.currency,
  debitsMustNotExceedCredits: row.debits_must_not_exceed_credits,
  creditsMustNotExceedDebits: row.credits_must_not_exceed_debits,
  acceptsExternalCredits: row.accepts_external_credits,
  debitsPending: row.debits_pending,
  debitsPosted: row.debits_posted,
  creditsPending: row.credits_pending,
  creditsPosted: row.credits_posted,
});

export const toTransfer = (row: TransferRow): Transfer => ({
  tenantId: row.tenant_id,
  id: row.id,
  kind: row.kind,
  debitAccountId: row.debit_account_id,
  creditTenantId: row.credit_tenant_id,
  creditAccountId: row.credit_account_id,
  amount: row.amount,
  currency: row.currency,
  code: row.code,
  metadata: row.metadata,
  linked: row.linked,
  pendingId: row.pending_id,
  timeoutSeconds: row.timeout_seconds,
  createdAt: row.created_at,
});

export const toPendingState = (row: PendingRow): PendingTransferState => ({
  tenantId: row.tenant_id,
  transferId: row.transfer_id,
  state: row.state,
  expiresAt: row.expires_at,
  resolvedById: row.resolved_by_id,
  resolvedAt: row.resolved_at,
});

/** Records as Prisma's model API returns them (camelCase, JSON columns untyped) as domain objects. */
export const toAccount = (row: AccountModel): Account => ({
  tenantId: row.tenantId,
  id: row.id,
  currency: row.currency,
  code: row.code,
  metadata: row.metadata as Metadata,
  debitsMustNotExceedCredits: row.debitsMustNotExceedCredits,
  creditsMustNotExceedDebits: row.creditsMustNotExceedDebits,
  acceptsExternalCredits: row.acceptsExternalCredits,
  debitsPending: row.debitsPending,
  debitsPosted: row.debitsPosted,
  creditsPending: row.creditsPending,
  creditsPosted: row.creditsPosted,
  createdAt: row.createdAt,
});

export const toTransferFromModel = (row: TransferModel): Transfer => ({
  tenantId: row.tenantId,
  id: row.id,
  kind: row.kind as TransferKind,
  debitAccountId: row.debitAccountId,
  creditTenantId: row.creditTenantId,
  creditAccountId: row.creditAccountId,
  amount: row.amount,
  currency: row.currency,
  code: row.code,
  metadata: row.metadata as Metadata,
  linked: row.linked,
  pendingId: row.pendingId,
  timeoutSeconds: row.timeoutSeconds,
  createdAt: row.createdAt,
});

export const toPendingTransfer = (row: PendingTransferModel): PendingTransferState => ({
  tenantId: row.tenantId,
  transferId: row.transferId,
  state: row.state as PendingState,
  expiresAt: row.expiresAt,
  resolvedById: row.resolvedById,
  resolvedAt: row.resolvedAt,
});
