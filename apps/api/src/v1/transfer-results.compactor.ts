import { Injectable } from '@nestjs/common';
import { LedgerClient } from '@meridian/ledger-client';
import type { ResponseCompactor } from '../idempotency/idempotency.interceptor';
import type { Principal } from '../tenancy/api-key.store';
import { okBody } from './ledger-replies';

interface ItemResult {
  index: number;
  id: string;
  result: string;
  transfer?: unknown;
}

/**
 * A batch's answer, kept for replay as its results without the transfers
 * (a few dozen bytes per item instead of up to kilobytes), and rebuilt by
 * looking the transfers up in the ledger: they are immutable, so the
 * rebuilt answer is the one first given.
 */
@Injectable()
export class TransferResultsCompactor implements ResponseCompactor {
  constructor(private readonly ledger: LedgerClient) {}

  compact(body: unknown): unknown {
    return {
      results: (body as { results: ItemResult[] }).results.map(({ index, id, result }) => ({
        index,
        id,
        result,
      })),
    };
  }

  async rebuild(compact: unknown, principal: Principal): Promise<unknown> {
    const { results } = compact as { results: ItemResult[] };
    const ids = [
      ...new Set(results.filter((r) => r.transfer === undefined && hasTransfer(r.result)).map((r) => r.id)),
    ];
    const transfers = new Map<string, unknown>();
    if (ids.length > 0) {
      const { data } = okBody(
        await this.ledger.post<{ data: ({ id: string } | null)[] }>(
          `/v1/tenants/${principal.tenantId}/transfers/lookup`,
          { ids },
        ),
      );
      for (const transfer of data) if (transfer) transfers.set(transfer.id, transfer);
    }
    return {
      results: results.map((r) =>
        hasTransfer(r.result) && transfers.has(r.id) ? { ...r, transfer: transfers.get(r.id) } : r,
      ),
    };
  }
}

/** The ledger answers a result with its transfer for a success. */
const hasTransfer = (result: string) => result === 'created' || result === 'exists';
