import { Injectable } from '@nestjs/common';
import type { SettlementConfig } from '../config';
import { InjectConfig } from '@meridian/config/nest';
import {
  SETTLEMENT_TRANSFER_CODE,
  type TransferResult,
  type TransferResults,
} from '@meridian/ledger-contract';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import {
  type AttemptOutcome,
  classifyFence,
  classifyResult,
  FENCE_ACCOUNT_ID,
  retryDelayMs,
  type RetrySchedule,
  settlementAccountId,
  shortReason,
  type Instruction,
} from '../domain/instruction';
import { settlementTransferId } from '../domain/netting';
import { BatchStore } from './batch-store.port';
import { concurrently, LEDGER_CALLS_PER_ROUND } from './concurrently';
import { InstructionStore, type LockedInstructions, type RetriedInstruction } from './instruction-store.port';
import { OperatorRequests, type RequestResult, resultOf } from './operator-requests';
import { type AccountFailure, SettlementAccounts } from './settlement-accounts';
import { SettlementMetrics } from './settlement-metrics';

/** How one attempt ends for one instruction, as it is written back. */
type Decision =
  | { kind: 'posted' }
  | {
      kind: 'retry';
      /** Metric label. */
      outcome: 'refused' | 'rolled_over' | 'unknown' | 'conflict';
      reason: string;
      /** Send a new id next time (the ledger refused this one for good). */
      rotate: boolean;
      /** Milliseconds until the next attempt; 0 at once, null parked (only an operator moves it). */
      retryInMs: number | null;
      /** Counts as a failure (a rollover does not: nothing is wrong). */
      failed: boolean;
    };

export interface AttemptRound {
  /** Instructions attempted. */
  attempted: number;
  /** Some are due again at once (a settlement account rolled over): run another round now. */
  again: boolean;
}

/** redrive `done`: attempted (pending again or posted); cancel `done`: requested, to be confirmed. */
export type OperatorResult = RequestResult | { kind: 'in-flight'; instruction: Instruction };

/**
 * Posts settlement instructions to the ledger, each on its own: its own
 * state, attempts, reason and schedule, so one that cannot be posted holds
 * back neither the others nor later batches.
 *
 * A round locks the instructions it sends (`FOR UPDATE SKIP LOCKED`) for as
 * long as they are in flight, so replicas, the retry loop, cut-offs and
 * operators never send one instruction twice at once, and a crash releases
 * the locks with the connection: the next round retries with the stored id.
 * Every id sent was committed before (ids change only when an attempt's
 * outcome is written), so what the ledger may have posted is always on record.
 */
@Injectable()
export class InstructionPoster {
  /** Most instructions one round locks and sends (one ledger request per payer, at most 1000 transfers). */
  static readonly ROUND_SIZE = 200;
  private readonly logger: Logger;
  private readonly schedule: RetrySchedule;
  /** A round holds its transaction across ledger calls: allow for each of them to take its whole deadline. */
  private readonly transactionTimeoutMs: number;

  constructor(
    @InjectConfig() config: SettlementConfig,
    private readonly instructions: InstructionStore,
    private readonly batches: BatchStore,
    private readonly requests: OperatorRequests,
    @InjectServiceClient('ledger') private readonly ledger: ServiceClient,
    private readonly accounts: SettlementAccounts,
    private readonly metrics: SettlementMetrics,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'instruction-poster' });
    this.schedule = {
      initialMs: config.SETTLEMENT_RETRY_BACKOFF_MS,
      maxMs: config.SETTLEMENT_RETRY_BACKOFF_MAX_MS,
    };
    // Three phases of ledger calls (accounts, transfers, reading accounts); once calls time out the client's
    // breaker fails the rest fast, so each phase takes about two deadlines at worst.
    this.transactionTimeoutMs = 6 * config.LEDGER_DEADLINE_MS + 10_000;
  }

  /**
   * Attempts the due instructions (of one batch, when given) until none is
   * due at once; returns how many attempts it made. `wait`: wait for
   * instructions another round holds rather than pass them by (a cut-off
   * does, so that its batch is as complete as it can be when it returns).
   */
  async postDue(batchId?: string, options: { maxRounds?: number; wait?: boolean } = {}): Promise<number> {
    let attempted = 0;
    for (let round = 0; round < (options.maxRounds ?? 10_000); round++) {
      const result = await this.round(batchId, options.wait ?? false);
      attempted += result.attempted;
      if (result.attempted < InstructionPoster.ROUND_SIZE && !result.again) break;
    }
    return attempted;
  }

  /** One round: locks up to ROUND_SIZE due instructions, sends them, writes what happened. */
  async round(batchId?: string, wait = false): Promise<AttemptRound> {
    const outcome = await this.instructions.withDue(
      { batchId, limit: InstructionPoster.ROUND_SIZE, wait, timeoutMs: this.transactionTimeoutMs },
      async (due, locked) => ({
        attempted: due.length,
        again: await this.attemptLocked(locked, due),
        batches: [...new Set(due.map((instruction) => instruction.batchId))],
      }),
    );
    if (outcome === null) return { attempted: 0, again: false };
    await this.completeBatches(outcome.batches);
    return outcome;
  }

  /** Re-drive: attempts one pending instruction now, whatever its schedule (parked included). */
  async redrive(idOrTransferId: string): Promise<OperatorResult> {
    const before = resultOf(await this.instructions.find(idOrTransferId), { cancellingIsCancelled: true });
    if (before.kind !== 'done') return before;
    const { instruction } = before;
    const locked = await this.instructions.withPending(
      instruction.id,
      { timeoutMs: this.transactionTimeoutMs },
      async (row, locked) => {
        this.logger.info({ instruction: row.id, transferId: row.transferId }, 'instruction re-driven');
        return { again: await this.attemptLocked(locked, [row]) };
      },
    );
    if (locked === null) {
      // Not lockable: an attempt is in flight, or it was posted or cancelled meanwhile.
      const now = resultOf(await this.instructions.find(instruction.id), { cancellingIsCancelled: true });
      return now.kind === 'done' ? { kind: 'in-flight', instruction: now.instruction } : now;
    }
    await this.completeBatches([instruction.batchId]);
    // A rollover leaves it due at once: finish that too before answering.
    if (locked.again) await this.postDue(instruction.batchId, { maxRounds: 5 });
    return { kind: 'done', instruction: (await this.instructions.find(instruction.id))! };
  }

  /**
   * Records an operator's request to cancel a pending instruction (durable:
   * from now on it is never attempted again), then fences its transfer id in
   * the ledger. Answers `cancelled`, or `posted` when the ledger had posted
   * it, or `done` when the fence could not be made yet (the retry loop makes it).
   */
  async cancel(idOrTransferId: string, reason: string): Promise<OperatorResult> {
    const requested = await this.requests.requestCancel(idOrTransferId, reason);
    if (requested.kind !== 'done') return requested;
    // Waits for the retry loop if it is fencing the same instruction right now.
    await this.fence(requested.instruction.id, true);
    return resultOf(await this.instructions.find(requested.instruction.id));
  }

  /** Fences the instructions whose cancellation was requested (the retry loop's share of cancelling). */
  async fenceRequested(limit = 100): Promise<number> {
    const requested = await this.instructions.cancellationsRequested(limit);
    for (const id of requested) await this.fence(id, false);
    return requested.length;
  }

  /**
   * Sends a fence under the instruction's current transfer id: a transfer
   * that must fail (its debit account never exists), which the ledger records
   * against the id for good. If the id had posted, the ledger answers that it
   * exists instead. Either way the instruction's fate is then certain, and
   * written. When the ledger cannot be asked, it stays requested (the retry
   * loop tries again). `wait`: wait for another fencer holding it, rather
   * than pass it by.
   */
  private async fence(id: string, wait: boolean): Promise<void> {
    const verdict = await this.instructions.withCancelRequested(
      id,
      { wait, timeoutMs: this.transactionTimeoutMs },
      async (row, locked) => {
        let answer: TransferResult;
        try {
          const reply = await this.ledger.post<TransferResults>(
            `/v1/tenants/${row.payerTenantId}/transfers`,
            {
              transfers: [
                {
                  ...this.transfer(row),
                  debitAccountId: FENCE_ACCOUNT_ID,
                  metadata: { batchId: row.batchId, fence: 'cancelled' },
                },
              ],
            },
            { affinityKey: row.payerTenantId },
          );
          if (reply.status !== 200) throw new Error(`ledger answered ${reply.status} to a fence`);
          answer = reply.body.results[0]!.result;
        } catch (error) {
          this.logger.warn(
            { err: error, instruction: id },
            'fencing a cancelled instruction failed; retrying later',
          );
          return null;
        }
        const verdict = classifyFence(answer);
        const now = new Date();
        if (verdict === 'fenced' || verdict === 'posted') {
          await locked.markFenced(id, verdict === 'fenced' ? 'cancelled' : 'posted', now);
          return { verdict, row };
        }
        this.logger.error(
          { instruction: id, result: answer },
          'unexpected answer to a fence; retrying later',
        );
        return null;
      },
    );
    if (verdict === null) return;
    const { row } = verdict;
    if (verdict.verdict === 'fenced') {
      this.metrics.instructionsCancelled.inc();
      this.logger.warn(
        { instruction: id, transferId: row.transferId, reason: row.cancelReason },
        'instruction cancelled; its transfer id can never post',
      );
    } else
      this.logger.warn(
        { instruction: id, transferId: row.transferId },
        'cancellation refused: the ledger had posted the instruction',
      );
    await this.completeBatches([row.batchId]);
  }

  /** Batches whose instructions are all posted or cancelled are completed (without ids: any such batch). */
  async completeBatches(batchIds?: readonly string[]): Promise<void> {
    const completed = await this.batches.complete(batchIds);
    for (const batch of completed) {
      this.metrics.batches.inc({ state: 'completed' });
      this.metrics.obligationsSettled.inc(batch.obligationCount);
      this.logger.info(
        { batchId: batch.id, obligations: batch.obligationCount },
        'settlement batch completed',
      );
    }
  }

  /** The ledger transfer an instruction's current id stands for. */
  private transfer(row: Instruction) {
    return {
      id: row.transferId,
      debitAccountId: settlementAccountId(row.currency, row.debitEpoch),
      creditTenantId: row.payeeTenantId,
      creditAccountId: settlementAccountId(row.currency, row.creditEpoch),
      amount: row.amount.toString(),
      currency: row.currency,
      code: SETTLEMENT_TRANSFER_CODE,
      metadata: { batchId: row.batchId },
    };
  }

  /** Sends locked instructions and writes each outcome; true when some are due again at once. */
  private async attemptLocked(locked: LockedInstructions, rows: Instruction[]): Promise<boolean> {
    const accountFailures = await this.accounts.ensure(
      rows.flatMap((row) => [
        { tenantId: row.payerTenantId, currency: row.currency, epoch: row.debitEpoch },
        { tenantId: row.payeeTenantId, currency: row.currency, epoch: row.creditEpoch },
      ]),
    );
    const outcomes = new Map<string, AttemptOutcome>();
    const accountFailureOf = (row: Instruction): AccountFailure | undefined =>
      accountFailures.get(row.payerTenantId) ?? accountFailures.get(row.payeeTenantId);
    const sendable: Instruction[] = [];
    for (const row of rows) {
      const failure = accountFailureOf(row);
      // Not sent: the same id next time, whatever the reason.
      if (failure) outcomes.set(row.id, { kind: 'unknown', reason: failure.reason });
      else sendable.push(row);
    }
    // One ledger request per payer (the tenant whose account is debited); payers in parallel.
    await concurrently(
      [...Map.groupBy(sendable, (row) => row.payerTenantId)],
      LEDGER_CALLS_PER_ROUND,
      async ([payer, own]) => {
        try {
          const reply = await this.ledger.post<TransferResults>(
            `/v1/tenants/${payer}/transfers`,
            { transfers: own.map((row) => this.transfer(row)) },
            { affinityKey: payer },
          );
          if (reply.status !== 200 || !Array.isArray(reply.body?.results)) {
            // The ledger took none of them (a 4xx records nothing): the same ids again.
            for (const row of own)
              outcomes.set(row.id, { kind: 'unknown', reason: `ledger_status_${reply.status}` });
            return;
          }
          own.forEach((row, index) => {
            const result = reply.body.results[index]?.result;
            // No result for it: nothing says it was not posted.
            outcomes.set(
              row.id,
              result === undefined
                ? { kind: 'unknown', reason: 'ledger_result_missing' }
                : classifyResult(result),
            );
          });
        } catch {
          // Timeout, 503, connection lost, breaker open: the outcome is unknown (the client logged why).
          for (const row of own) outcomes.set(row.id, { kind: 'unknown', reason: 'ledger_unavailable' });
        }
      },
    );

    const decisions = new Map<string, Decision>();
    await concurrently(rows, LEDGER_CALLS_PER_ROUND, async (row) => {
      decisions.set(row.id, await this.decide(row, outcomes.get(row.id)!));
    });
    const epochOf = await this.accounts.currentEpochs(
      rows.flatMap((row) => [
        { tenantId: row.payerTenantId, currency: row.currency },
        { tenantId: row.payeeTenantId, currency: row.currency },
      ]),
    );
    const posted = rows.filter((row) => decisions.get(row.id)!.kind === 'posted');
    // Times come from the database's clock, the one the next round compares them with.
    if (posted.length > 0) {
      await locked.markPosted(posted.map((row) => row.id));
      this.metrics.instructionAttempts.inc({ outcome: 'posted' }, posted.length);
    }
    // Every other outcome: the next id, schedule and reason of each.
    const retried = rows.flatMap((row) => {
      const decision = decisions.get(row.id)!;
      if (decision.kind === 'posted') return [];
      const generation = decision.rotate ? row.generation + 1 : row.generation;
      return [
        {
          row,
          decision,
          update: {
            id: row.id,
            generation,
            transferId: decision.rotate
              ? settlementTransferId(
                  row.batchId,
                  row.payerTenantId,
                  row.payeeTenantId,
                  row.currency,
                  row.part,
                  generation,
                )
              : row.transferId,
            // A new id goes to the current accounts (a rollover may have moved one on); an id once sent keeps its fields.
            debitEpoch: decision.rotate ? epochOf(row.payerTenantId, row.currency) : row.debitEpoch,
            creditEpoch: decision.rotate ? epochOf(row.payeeTenantId, row.currency) : row.creditEpoch,
            reason: shortReason(decision.reason),
            retryInMs: decision.retryInMs,
            failed: decision.failed,
          } satisfies RetriedInstruction,
        },
      ];
    });
    await locked.markRetried(retried.map((r) => r.update));
    let again = false;
    const unknownReasons = new Set<string>();
    for (const { row, decision } of retried) {
      this.metrics.instructionAttempts.inc({ outcome: decision.outcome });
      if (decision.retryInMs === 0) again = true;
      if (decision.outcome === 'unknown') unknownReasons.add(decision.reason);
      else if (decision.outcome !== 'rolled_over')
        this.logger.warn(
          {
            instruction: row.id,
            transferId: row.transferId,
            payer: row.payerTenantId,
            payee: row.payeeTenantId,
            attempts: row.attempts + 1,
            reason: decision.reason,
            nextAttemptInMs: decision.retryInMs,
          },
          decision.outcome === 'conflict'
            ? 'settlement instruction parked: the ledger holds another transfer under its id'
            : 'settlement instruction refused by the ledger; it is retried with a new id',
        );
    }
    if (unknownReasons.size > 0)
      this.logger.warn(
        { count: rows.length - posted.length, reasons: [...unknownReasons] },
        'settlement instructions not known to be posted; retrying with the same ids',
      );
    return again;
  }

  /** What an outcome means for the instruction (rolling a settlement account over where the ledger's limit was reached). */
  private async decide(row: Instruction, outcome: AttemptOutcome): Promise<Decision> {
    const backoff = retryDelayMs(row.attempts + 1, this.schedule);
    switch (outcome.kind) {
      case 'posted':
        return { kind: 'posted' };
      case 'payer-overflow':
        await this.accounts.rollOver(row.payerTenantId, row.currency, row.debitEpoch);
        return retry('rolled_over', outcome.reason, { rotate: true, retryInMs: 0, failed: false });
      case 'credit-refused': {
        const payee = { tenantId: row.payeeTenantId, currency: row.currency, epoch: row.creditEpoch };
        if ((await this.accounts.creditWouldOverflow(payee, row.amount)) !== true)
          return retry('refused', outcome.reason, { rotate: true, retryInMs: backoff });
        await this.accounts.rollOver(row.payeeTenantId, row.currency, row.creditEpoch);
        return retry('rolled_over', outcome.reason, { rotate: true, retryInMs: 0, failed: false });
      }
      case 'conflict':
        return retry('conflict', outcome.reason, { rotate: false, retryInMs: null });
      case 'refused':
        return retry('refused', outcome.reason, { rotate: true, retryInMs: backoff });
      case 'unknown':
        return retry('unknown', outcome.reason, { rotate: false, retryInMs: backoff });
    }
  }
}

/**
 * Another attempt: with a new id (`rotate`) when the ledger refused this one
 * for good, after `retryInMs` (0: at once, null: parked); a failure unless
 * said otherwise (a rollover is not: nothing is wrong).
 */
const retry = (
  outcome: Extract<Decision, { kind: 'retry' }>['outcome'],
  reason: string,
  next: { rotate: boolean; retryInMs: number | null; failed?: boolean },
): Decision => ({ kind: 'retry', outcome, reason, failed: true, ...next });
