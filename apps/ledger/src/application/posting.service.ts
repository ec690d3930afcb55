import { Injectable } from '@nestjs/common';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import type { Histogram } from 'prom-client';
import { ExponentialBackoff, fullJitterGenerator, handleWhen, type IPolicy, retry } from 'cockatiel';
import { type Command, type ItemResult, post } from '../domain/posting';
import { isCreateCommand, transferKey } from '../domain/transfer';
import { isRetryable, sqlState } from './database-errors';
import { LedgerStore, type PostingKeys } from './ledger-store.port';
import { PostingMetrics, type PostingStage } from './posting-metrics';

export interface Submission {
  commands: Command[];
  /** W3C traceparent of the request, carried into the events it causes. */
  traceparent: string | null;
}

/** Retries of a batch the database aborted (8 attempts in all), each after a random delay of up to 2, 4, ... 128 ms. */
const RETRIES = 7;

/**
 * Runs a batch of submissions through the posting engine in one database
 * transaction: load and lock, apply in order, write in bulk, commit. When the
 * database aborts the transaction for a reason that a retry resolves
 * (deadlock, serialization failure, a concurrent insert of the same id), the
 * whole batch runs again after a jittered exponential backoff; clients never
 * see those errors.
 */
@Injectable()
export class PostingService {
  private readonly retries: IPolicy;
  private readonly stages: Histogram<'stage'>;

  constructor(
    private readonly store: LedgerStore,
    @InjectLogger() logger: Logger,
    metrics: PostingMetrics,
  ) {
    this.stages = metrics.stages;
    const log = logger.child({ component: 'posting' });
    const retries = retry(handleWhen(isRetryable), {
      maxAttempts: RETRIES,
      backoff: new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: 2, maxDelay: 200 }),
    });
    retries.onRetry(({ attempt, delay, ...reason }) =>
      log.debug(
        { attempt, sqlState: 'error' in reason ? sqlState(reason.error) : undefined, backoffMs: delay },
        'posting batch retried',
      ),
    );
    this.retries = retries;
  }

  async post(submissions: Submission[]): Promise<ItemResult[][]> {
    const keys = keysOf(submissions);
    const origins = new Map<string, string | null>();
    for (const s of submissions) {
      for (const c of s.commands)
        origins.set(transferKey(c.tenantId, c.kind === 'expire' ? c.pendingId : c.id), s.traceparent);
    }
    const traceparentOf = (tenantId: string, id: string) => origins.get(transferKey(tenantId, id)) ?? null;

    return this.retries.execute(async () => {
      const clock = new StageClock(this.stages);
      const results = await this.store.inTransaction(async (tx) => {
        clock.lap('begin');
        const state = await tx.load(keys);
        clock.lap('load');
        const outcome = post(
          state,
          submissions.map((s) => s.commands),
        );
        clock.lap('apply');
        await tx.write(outcome.effects, traceparentOf);
        clock.lap('write');
        return outcome.results;
      });
      clock.lap('commit');
      return results;
    });
  }
}

function keysOf(submissions: Submission[]): PostingKeys {
  const keys: PostingKeys = { transferIds: [], pendingIds: [], accounts: [] };
  for (const { commands } of submissions) {
    for (const command of commands) {
      if (command.kind === 'expire') {
        keys.pendingIds.push({ tenantId: command.tenantId, id: command.pendingId });
        continue;
      }
      keys.transferIds.push({ tenantId: command.tenantId, id: command.id });
      if (isCreateCommand(command)) {
        keys.accounts.push({ tenantId: command.tenantId, accountId: command.debitAccountId });
        keys.accounts.push({ tenantId: command.creditTenantId, accountId: command.creditAccountId });
      } else {
        keys.pendingIds.push({ tenantId: command.tenantId, id: command.pendingId });
      }
    }
  }
  return keys;
}

/** Observes the time since the previous lap under each stage's label. */
class StageClock {
  #last = performance.now();

  constructor(private readonly stages: Histogram<'stage'>) {}

  lap(stage: PostingStage): void {
    const now = performance.now();
    this.stages.observe({ stage }, (now - this.#last) / 1_000);
    this.#last = now;
  }
}
