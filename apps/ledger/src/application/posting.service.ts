import { Injectable } from '@nestjs/common';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { type Command, type ItemResult, post } from '../domain/posting';
import { isCreateCommand, transferKey } from '../domain/transfer';
import { isRetryable, sqlState } from './database-errors';
import { LedgerStore, type PostingKeys } from './ledger-store.port';

export interface Submission {
  commands: Command[];
  /** W3C traceparent of the request, carried into the events it causes. */
  traceparent: string | null;
}

const MAX_ATTEMPTS = 8;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  private readonly logger: Logger;

  constructor(
    private readonly store: LedgerStore,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'posting' });
  }

  async post(submissions: Submission[]): Promise<ItemResult[][]> {
    const keys = keysOf(submissions);
    const origins = new Map<string, string | null>();
    for (const s of submissions) {
      for (const c of s.commands)
        origins.set(transferKey(c.tenantId, c.kind === 'expire' ? c.pendingId : c.id), s.traceparent);
    }
    const traceparentOf = (tenantId: string, id: string) => origins.get(transferKey(tenantId, id)) ?? null;

    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.inTransaction(async (tx) => {
          const state = await tx.load(keys);
          const outcome = post(
            state,
            submissions.map((s) => s.commands),
          );
          await tx.write(outcome.effects, traceparentOf);
          return outcome.results;
        });
      } catch (error) {
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
        const backoffMs = Math.random() * Math.min(2 ** attempt, 200);
        this.logger.debug({ attempt, sqlState: sqlState(error), backoffMs }, 'posting batch retried');
        await sleep(backoffMs);
      }
    }
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
