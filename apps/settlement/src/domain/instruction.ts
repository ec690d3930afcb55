import { differingField, isSuccess, PLATFORM_ID_PREFIX, TransferResult } from '@meridian/ledger-contract';
import { halfJitterGenerator } from 'cockatiel';

/**
 * A settlement instruction: one part of a bilateral net, posted to the ledger
 * as one transfer between the two tenants' settlement accounts. Pure rules
 * only; the poster (application layer) applies them.
 *
 *   pending ──(ledger: created | exists)──────────────▶ posted
 *      │
 *      └──(operator cancels, the id fenced in the ledger)──▶ cancelled
 *
 * Exactly once: every attempt sends the instruction's current transfer id,
 * stored before it is sent. An attempt whose outcome is unknown is repeated
 * with the same id (the ledger answers `exists` if it had posted). An id the
 * ledger refused can never post (the ledger keeps the failure: a retry answers
 * `id_already_failed`), so the next attempt safely uses a new id, derived
 * from the instruction and the id's generation.
 */

export const INSTRUCTION_STATES = ['pending', 'posted', 'cancelled'] as const;
export type InstructionState = (typeof INSTRUCTION_STATES)[number];

/**
 * Where a pending instruction stands:
 * - `new`: not failed yet (its first attempt is due or in flight);
 * - `retrying`: failed at least once, retried with backoff by the retry loop;
 * - `parked`: no automatic attempt (the ledger holds a different transfer
 *   under its id); only an operator moves it on;
 * - `cancelling`: an operator asked to cancel it; it is never attempted again,
 *   and becomes `cancelled` once its id is fenced in the ledger.
 */
export const CONDITIONS = ['new', 'retrying', 'parked', 'cancelling'] as const;
export type Condition = (typeof CONDITIONS)[number];

export function conditionOf(instruction: {
  nextAttemptAt: Date | null;
  firstFailedAt: Date | null;
  cancelRequestedAt: Date | null;
}): Condition {
  if (instruction.cancelRequestedAt !== null) return 'cancelling';
  if (instruction.nextAttemptAt === null) return 'parked';
  return instruction.firstFailedAt === null ? 'new' : 'retrying';
}

/**
 * A tenant's settlement account in a currency. Its lifetime debits and
 * credits are each bounded by 2^63-1 in the ledger; when one would pass it
 * the tenant moves on to the next epoch's account.
 */
export const settlementAccountId = (currency: string, epoch = 0): string =>
  `${PLATFORM_ID_PREFIX}settlement-${currency}${epoch === 0 ? '' : `.${epoch}`}`;

/**
 * An account this service never creates. A transfer debiting it fails with
 * `debit_account_not_found`, which the ledger records against the transfer's
 * id for good: sending one under an instruction's id fences that id (it can
 * never post afterwards), or, if the id had posted, the ledger says so.
 */
export const FENCE_ACCOUNT_ID = `${PLATFORM_ID_PREFIX}settlement-fence`;

/** What one answer of the ledger means for the attempt that sent an instruction's transfer. */
export type AttemptOutcome =
  /** created, or exists (an earlier attempt with this id posted). */
  | { kind: 'posted' }
  /** The payer's settlement account would pass 2^63-1 of debits: roll it over and send a new id at once. */
  | { kind: 'payer-overflow'; reason: string }
  /**
   * The payee's account refused the credit. The ledger gives one answer for
   * every refusal of another tenant's account, its overflow included: the
   * poster reads the account to tell which.
   */
  | { kind: 'credit-refused'; reason: string }
  /** A transfer with this id exists with other fields: nothing automatic is safe. */
  | { kind: 'conflict'; reason: string }
  /** Refused for good under this id: the next attempt uses a new id, after a backoff. */
  | { kind: 'refused'; reason: string }
  /** No per-transfer answer (timeout, 503, connection lost): the same id again, after a backoff. */
  | { kind: 'unknown'; reason: string };

export function classifyResult(result: TransferResult): AttemptOutcome {
  if (isSuccess(result)) return { kind: 'posted' };
  if (result === TransferResult.overflowsDebits) return { kind: 'payer-overflow', reason: result };
  if (result === TransferResult.externalCreditRefused || result === TransferResult.overflowsCredits)
    return { kind: 'credit-refused', reason: result };
  if (differingField(result) !== null) return { kind: 'conflict', reason: result };
  return { kind: 'refused', reason: result };
}

/** What a fence (see FENCE_ACCOUNT_ID) says about the id it was sent under. */
export function classifyFence(result: TransferResult): 'fenced' | 'posted' | 'unknown' {
  if (result === TransferResult.debitAccountNotFound || result === TransferResult.idAlreadyFailed)
    return 'fenced';
  if (result === TransferResult.exists || differingField(result) !== null) return 'posted';
  return 'unknown';
}

export interface RetrySchedule {
  /** Delay after the first failed attempt. */
  initialMs: number;
  /** Longest delay. */
  maxMs: number;
}

/**
 * Delay before the next attempt after `failedAttempts` failed ones: doubling
 * from `initialMs` up to `maxMs`, each drawn in [half, whole) of it
 * (cockatiel's half jitter), so stuck instructions of many tenants do not
 * come back in step, and never sooner than half the nominal delay.
 */
export function retryDelayMs(failedAttempts: number, schedule: RetrySchedule): number {
  const [delay] = halfJitterGenerator(Math.max(0, failedAttempts - 1), {
    initialDelay: schedule.initialMs,
    maxDelay: schedule.maxMs,
    exponent: 2,
    generator: halfJitterGenerator,
  });
  return delay;
}

/** The reason stored and shown for an instruction: the ledger's result code, or a fixed phrase. Never a secret. */
export const shortReason = (reason: string): string => reason.slice(0, 200);

/** An instruction as stored: the transfer it stands for, where it stands, and its history of attempts. */
export interface Instruction {
  /** Stable: the transfer id of the first attempt (generation 0). */
  id: string;
  batchId: string;
  payerTenantId: string;
  payeeTenantId: string;
  currency: string;
  /** 0, 1, ...: a net beyond 2^63-1 is posted in parts. */
  part: number;
  amount: bigint;
  state: InstructionState;
  /** The id the next (or last) attempt sends; a new one after each definitive refusal. */
  transferId: string;
  /** How many ids the ledger refused: the current id is derived from it. */
  generation: number;
  /** Epochs of the payer's (debit) and payee's (credit) settlement accounts the current id is sent with. */
  debitEpoch: number;
  creditEpoch: number;
  attempts: number;
  /** The ledger's result code, or why the ledger could not be asked. */
  lastError: string | null;
  /** When it is attempted next; null once posted or cancelled, and while parked. */
  nextAttemptAt: Date | null;
  firstFailedAt: Date | null;
  lastAttemptAt: Date | null;
  postedAt: Date | null;
  cancelRequestedAt: Date | null;
  cancelReason: string | null;
  cancelledAt: Date | null;
  createdAt: Date;
}
