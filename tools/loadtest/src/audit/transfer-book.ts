import type { MeridianClient } from '@meridian/sdk';
import type { Answer } from '../scenarios/answers';

/**
 * Every transfer the run asked for and what the answer said about it: the
 * audit's record of what must, must not, or may exist.
 *   acknowledged  a 2xx carried it (or a batch result said created/exists)
 *   refused       a definitive 4xx said it was not done
 *   in-doubt      no answer, a 5xx, rate limited or still in flight: it may or may not exist
 */
export type Verdict = 'acknowledged' | 'refused' | 'in-doubt';

/**
 * The request that carried one or more transfers, able to send itself again
 * with the same Idempotency-Key and body: how the audit resolves a transfer
 * left in doubt, and how a replay is made. A scenario that moves money
 * describes each request it sends with one of these.
 */
export interface SentRequest {
  readonly idempotencyKey: string;
  send(client: MeridianClient, init?: { signal?: AbortSignal }): Promise<Answer>;
  /** What an answer to this request says about one of its transfers (a batch answers per item). */
  verdictOf(answer: Answer, transferId: string): { verdict: Verdict; detail: string };
}

export interface SentTransfer {
  tenantId: string;
  id: string;
  debitAccountId: string;
  creditTenantId: string;
  creditAccountId: string;
  amount: bigint;
  currency: string;
  kind: 'single' | 'batch-item' | 'pending' | 'post' | 'void';
  request: SentRequest;
}

export interface BookEntry {
  transfer: SentTransfer;
  verdict: Verdict;
  detail: string;
}

const RANK: Record<Verdict, number> = { refused: 0, 'in-doubt': 1, acknowledged: 2 };

export class TransferBook {
  private readonly entries = new Map<string, BookEntry>();
  /** Acknowledged single transfers, for deliberate replays. */
  readonly replayable: SentTransfer[] = [];

  /**
   * During the load the strongest verdict wins: a transfer acknowledged once
   * stays acknowledged when a later replay of it is rate limited, and one in
   * doubt stays in doubt when a retry is refused (the first attempt may have
   * done it); the audit settles those.
   */
  record(transfer: SentTransfer, verdict: Verdict, detail = ''): void {
    const key = keyOf(transfer.tenantId, transfer.id);
    const known = this.entries.get(key);
    if (known && RANK[known.verdict] >= RANK[verdict]) return;
    this.entries.set(key, { transfer, verdict, detail });
    if (verdict === 'acknowledged' && transfer.kind === 'single') this.replayable.push(transfer);
  }

  /** The audit's final word on a transfer it resolved by sending its request again. */
  settle(transfer: SentTransfer, verdict: Exclude<Verdict, 'in-doubt'>, detail: string): void {
    this.entries.set(keyOf(transfer.tenantId, transfer.id), { transfer, verdict, detail });
  }

  get(tenantId: string, id: string): BookEntry | undefined {
    return this.entries.get(keyOf(tenantId, id));
  }

  all(): BookEntry[] {
    return [...this.entries.values()];
  }
}

export const keyOf = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;
