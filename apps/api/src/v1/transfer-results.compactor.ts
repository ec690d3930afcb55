import { Injectable } from '@nestjs/common';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
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
 * A batch's answer, kept for replay as one result code per item (at most
 * 1000 short codes: well within the record cap, however long the ids or
 * large the metadata). The replaying request is the same batch (its
 * fingerprint says so), so it gives each item's id; the transfers are looked
 * up in the ledger, where they are immutable: the rebuilt answer is the one
 * first given.
 */
@Injectable()
export class TransferResultsCompactor implements ResponseCompactor {
  constructor(@InjectServiceClient('ledger') private readonly ledger: ServiceClient) {}

  compact(body: unknown): string[] {
    return (body as { results: ItemResult[] }).results.map((r) => r.result);
  }

  async rebuild(compact: unknown, principal: Principal, requestBody: unknown): Promise<unknown> {
    const { transfers } = requestBody as { transfers: { id: string }[] };
    const results = (compact as string[]).map((result, index) => ({
      index,
      id: transfers[index]!.id,
      result,
    }));
    const ids = [...new Set(results.filter((r) => hasTransfer(r.result)).map((r) => r.id))];
    const found = new Map<string, unknown>();
    if (ids.length > 0) {
      const { data } = okBody(
        await this.ledger.post<{ data: ({ id: string } | null)[] }>(
          `/v1/tenants/${principal.tenantId}/transfers/lookup`,
          { ids },
        ),
      );
      for (const transfer of data) if (transfer) found.set(transfer.id, transfer);
    }
    return {
      results: results.map((r) =>
        hasTransfer(r.result) && found.has(r.id) ? { ...r, transfer: found.get(r.id) } : r,
      ),
    };
  }
}

/** The ledger answers a result with its transfer for a success. */
const hasTransfer = (result: string) => result === 'created' || result === 'exists';
