/**
 * Every transfer the run asked for and what the answer said about it: the
 * audit's record of what must, must not, or may exist.
 *   acknowledged  a 2xx carried it (or a batch result said created/exists)
 *   refused       a definitive 4xx said it was not done
 *   in-doubt      no answer, a 5xx, or still in flight: it may or may not exist
 */
export type Verdict = 'acknowledged' | 'refused' | 'in-doubt';

export interface SentTransfer {
  tenantId: string;
  id: string;
  debitAccountId: string;
  creditTenantId: string;
  creditAccountId: string;
  amount: bigint;
  currency: string;
  kind: 'single' | 'pending' | 'post' | 'void';
  /** How to ask again with the same key: the request as sent. */
  replay: { path: string; pathId?: string; body: unknown; idempotencyKey: string };
}

const RANK: Record<Verdict, number> = { refused: 0, 'in-doubt': 1, acknowledged: 2 };

export class TransferBook {
  private readonly entries = new Map<string, { transfer: SentTransfer; verdict: Verdict; detail: string }>();
  /** Acknowledged transfers sent alone to POST /v1/transfers, for deliberate replays. */
  readonly replayable: SentTransfer[] = [];

  /**
   * The strongest verdict wins: a transfer acknowledged once stays
   * acknowledged when a later replay of it is refused (rate limited, say).
   */
  record(transfer: SentTransfer, verdict: Verdict, detail = ''): void {
    const key = keyOf(transfer.tenantId, transfer.id);
    const known = this.entries.get(key);
    if (known && RANK[known.verdict] >= RANK[verdict]) return;
    this.entries.set(key, { transfer, verdict, detail });
    if (
      verdict === 'acknowledged' &&
      transfer.replay.path === '/v1/transfers' &&
      known?.verdict !== 'acknowledged'
    )
      this.replayable.push(transfer);
  }

  get(tenantId: string, id: string) {
    return this.entries.get(keyOf(tenantId, id));
  }

  all() {
    return [...this.entries.values()];
  }

  count(verdict: Verdict): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.verdict === verdict) count++;
    return count;
  }
}

export const keyOf = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;
