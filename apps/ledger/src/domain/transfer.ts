import type { PendingState, TransferKind } from '@meridian/ledger-contract';
import type { MinorUnits } from './money';

/** What a transfer does, and where a pending one stands: the ledger's contract (see TRANSFER_KINDS). */
export type { PendingState, TransferKind };

export type Metadata = Record<string, string>;

/** A validated request to move or reserve money. */
export interface CreateTransferCommand {
  kind: 'posted' | 'pending';
  tenantId: string;
  id: string;
  debitAccountId: string;
  creditTenantId: string;
  creditAccountId: string;
  amount: MinorUnits;
  currency: string;
  code: number;
  metadata: Metadata;
  linked: boolean;
  /** Only for `pending`: seconds until it expires; null: never. */
  timeoutSeconds: number | null;
}

/** A validated request to post (complete) or void (cancel) a pending transfer. */
export interface ResolvePendingCommand {
  kind: 'post_pending' | 'void_pending';
  tenantId: string;
  id: string;
  pendingId: string;
  /** Only for `post_pending`: the amount to post; null: the whole pending amount. */
  amount: MinorUnits | null;
  code: number | null;
  metadata: Metadata;
  linked: boolean;
}

/** A validated request to create one transfer. */
export type TransferCommand = CreateTransferCommand | ResolvePendingCommand;

export const isCreateCommand = (command: TransferCommand): command is CreateTransferCommand =>
  command.kind === 'posted' || command.kind === 'pending';

/** Internal command of the expiry sweeper: a pending transfer's timeout has passed. */
export interface ExpireCommand {
  kind: 'expire';
  tenantId: string;
  pendingId: string;
}

/** A transfer as stored: immutable. */
export interface Transfer {
  tenantId: string;
  id: string;
  kind: TransferKind;
  debitAccountId: string;
  creditTenantId: string;
  creditAccountId: string;
  amount: MinorUnits;
  currency: string;
  code: number;
  metadata: Metadata;
  linked: boolean;
  pendingId: string | null;
  timeoutSeconds: number | null;
  createdAt: Date;
}

/** The mutable state of a pending transfer. */
export interface PendingTransferState {
  tenantId: string;
  transferId: string;
  state: PendingState;
  expiresAt: Date | null;
  resolvedById: string | null;
  resolvedAt: Date | null;
}

export const transferKey = (tenantId: string, id: string): string => `${tenantId}\u0000${id}`;

export function sameMetadata(a: Metadata, b: Metadata): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
