import type { Instruction, InstructionState } from '../../domain/instruction';
import type { SettlementInstruction } from '../../generated/prisma/client';

/** An instruction as Prisma's model API returns it, as the domain's. */
export const toInstruction = (row: SettlementInstruction): Instruction => ({
  id: row.id,
  batchId: row.batchId,
  payerTenantId: row.payerTenantId,
  payeeTenantId: row.payeeTenantId,
  currency: row.currency,
  part: row.part,
  amount: row.amount,
  state: row.state as InstructionState,
  transferId: row.transferId,
  generation: row.generation,
  debitEpoch: row.debitEpoch,
  creditEpoch: row.creditEpoch,
  attempts: row.attempts,
  lastError: row.lastError,
  nextAttemptAt: row.nextAttemptAt,
  firstFailedAt: row.firstFailedAt,
  lastAttemptAt: row.lastAttemptAt,
  postedAt: row.postedAt,
  cancelRequestedAt: row.cancelRequestedAt,
  cancelReason: row.cancelReason,
  cancelledAt: row.cancelledAt,
  createdAt: row.createdAt,
});
