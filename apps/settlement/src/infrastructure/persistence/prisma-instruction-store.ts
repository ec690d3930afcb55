import { Injectable } from '@nestjs/common';
import {
  InstructionStore,
  type LockedInstructions,
  type RetriedInstruction,
} from '../../application/instruction-store.port';
import type { Instruction } from '../../domain/instruction';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from './prisma.service';
import { toInstruction } from './records';

type Tx = Prisma.TransactionClient;

/**
 * Settlement instructions in PostgreSQL. Locks are row locks
 * (`FOR UPDATE [SKIP LOCKED]`) held by the transaction that runs the work;
 * outcomes are timed by the database's clock, the one the next round compares
 * them with.
 */
@Injectable()
export class PrismaInstructionStore extends InstructionStore {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async find(idOrTransferId: string): Promise<Instruction | null> {
    const row = await this.prisma.settlementInstruction.findFirst({
      where: { OR: [{ id: idOrTransferId }, { transferId: idOrTransferId }] },
    });
    return row && toInstruction(row);
  }

  async makeDue(id: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE settlement_instructions SET next_attempt_at = now(), updated_at = now()
       WHERE id = ${id} AND state = 'pending' AND cancel_requested_at IS NULL`;
  }

  async requestCancel(id: string, reason: string): Promise<boolean> {
    // Waits for an attempt in flight (it holds the row) to finish: it may post it.
    const updated = await this.prisma.$executeRaw`
      UPDATE settlement_instructions
         SET cancel_requested_at = now(), cancel_reason = ${reason}, updated_at = now()
       WHERE id = ${id} AND state = 'pending' AND cancel_requested_at IS NULL`;
    return updated === 1;
  }

  async cancellationsRequested(limit: number): Promise<string[]> {
    const requested = await this.prisma.settlementInstruction.findMany({
      where: { state: 'pending', cancelRequestedAt: { not: null } },
      select: { id: true },
      orderBy: { cancelRequestedAt: 'asc' },
      take: limit,
    });
    return requested.map((row) => row.id);
  }

  withDue<T>(
    selection: { batchId?: string; limit: number; wait: boolean; timeoutMs: number },
    work: (instructions: Instruction[], locked: LockedInstructions) => Promise<T>,
  ): Promise<T | null> {
    const { batchId, limit, wait, timeoutMs } = selection;
    return this.prisma.$transaction(
      async (tx) => {
        // A total order, so that rounds that wait for each other's rows cannot deadlock.
        // Due by the clock when the row is locked, not when this transaction began: a row
        // waited for is checked again once its holder commits, and a holder that made it
        // due at once (a rollover) stamped it after our start, so now() would pass it by.
        // The first bound is implied by the second (the transaction ends within timeoutMs);
        // it is there for the index, which cannot use the volatile clock_timestamp().
        const due = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM settlement_instructions
           WHERE state = 'pending' AND cancel_requested_at IS NULL
             AND next_attempt_at <= now() + ${timeoutMs} * interval '1 millisecond'
             AND next_attempt_at <= clock_timestamp()
             ${batchId === undefined ? Prisma.empty : Prisma.sql`AND batch_id = ${batchId}`}
           ORDER BY next_attempt_at, id
           LIMIT ${limit}
             FOR UPDATE ${wait ? Prisma.empty : Prisma.sql`SKIP LOCKED`}`;
        if (due.length === 0) return null;
        const rows = await tx.settlementInstruction.findMany({ where: { id: { in: due.map((d) => d.id) } } });
        return work(rows.map(toInstruction), new PrismaLockedInstructions(tx));
      },
      { timeout: timeoutMs },
    );
  }

  withPending<T>(
    id: string,
    options: { timeoutMs: number },
    work: (instruction: Instruction, locked: LockedInstructions) => Promise<T>,
  ): Promise<T | null> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM settlement_instructions
           WHERE id = ${id} AND state = 'pending' AND cancel_requested_at IS NULL
             FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return null;
        const row = await tx.settlementInstruction.findUniqueOrThrow({ where: { id } });
        return work(toInstruction(row), new PrismaLockedInstructions(tx));
      },
      { timeout: options.timeoutMs },
    );
  }

  withCancelRequested<T>(
    id: string,
    options: { wait: boolean; timeoutMs: number },
    work: (instruction: Instruction, locked: LockedInstructions) => Promise<T>,
  ): Promise<T | null> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM settlement_instructions
           WHERE id = ${id} AND state = 'pending' AND cancel_requested_at IS NOT NULL
             FOR UPDATE ${options.wait ? Prisma.empty : Prisma.sql`SKIP LOCKED`}`;
        if (rows.length === 0) return null;
        const row = await tx.settlementInstruction.findUniqueOrThrow({ where: { id } });
        return work(toInstruction(row), new PrismaLockedInstructions(tx));
      },
      { timeout: options.timeoutMs },
    );
  }
}

class PrismaLockedInstructions implements LockedInstructions {
  constructor(private readonly tx: Tx) {}

  async markPosted(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.tx.$executeRaw`
      UPDATE settlement_instructions
         SET state = 'posted', posted_at = clock_timestamp(), last_attempt_at = clock_timestamp(),
             next_attempt_at = NULL, attempts = attempts + 1, updated_at = clock_timestamp()
       WHERE id = ANY(${[...ids]}::text[]) AND state = 'pending'`;
  }

  /** Every instruction in one statement, each with its own values. */
  async markRetried(instructions: readonly RetriedInstruction[]): Promise<void> {
    if (instructions.length === 0) return;
    const updates = instructions.map((i) => ({
      id: i.id,
      generation: i.generation,
      transfer_id: i.transferId,
      debit_epoch: i.debitEpoch,
      credit_epoch: i.creditEpoch,
      last_error: i.reason,
      retry_in_ms: i.retryInMs,
      failed: i.failed,
    }));
    await this.tx.$executeRaw`
      UPDATE settlement_instructions AS i
         SET generation = u.generation, transfer_id = u.transfer_id,
             debit_epoch = u.debit_epoch, credit_epoch = u.credit_epoch,
             attempts = i.attempts + 1, last_error = u.last_error,
             last_attempt_at = clock_timestamp(),
             next_attempt_at = CASE WHEN u.retry_in_ms IS NULL THEN NULL
                                    ELSE clock_timestamp() + u.retry_in_ms * interval '1 millisecond' END,
             first_failed_at = CASE WHEN u.failed THEN coalesce(i.first_failed_at, clock_timestamp())
                                    ELSE i.first_failed_at END,
             updated_at = clock_timestamp()
        FROM jsonb_to_recordset(${JSON.stringify(updates)}::jsonb)
             AS u(id text, generation int, transfer_id text, debit_epoch int, credit_epoch int,
                  last_error text, retry_in_ms int, failed boolean)
       WHERE i.id = u.id AND i.state = 'pending'`;
  }

  async markFenced(id: string, state: 'cancelled' | 'posted', at: Date): Promise<void> {
    await this.tx.settlementInstruction.update({
      where: { id },
      data:
        state === 'cancelled'
          ? { state, cancelledAt: at, nextAttemptAt: null, updatedAt: at }
          : { state, postedAt: at, nextAttemptAt: null, updatedAt: at },
    });
  }
}
