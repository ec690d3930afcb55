import { Injectable } from '@nestjs/common';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
import {
  isSuccess,
  type TransferItemResult,
  type TransferLookup,
  type TransferRepresentation,
  type TransferResult,
  type TransferResults,
} from '@meridian/ledger-contract';
import type { ResponseCompactor } from './idempotency.interceptor';
import type { Principal } from '../application/api-key.store';
import { okBody } from './ledger-replies';

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

  compact(body: unknown): TransferResult[] {
    return (body as TransferResults).results.map((r) => r.result);
  }

  async rebuild(compact: unknown, principal: Principal, requestBody: unknown): Promise<TransferResults> {
    const { transfers } = requestBody as { transfers: { id: string }[] };
    const results = (compact as TransferResult[]).map((result, index): TransferItemResult => ({
      index,
      id: transfers[index]!.id,
      result,
    }));
    // The ledger answers a success with its transfer.
    const ids = [...new Set(results.filter((r) => isSuccess(r.result)).map((r) => r.id))];
    const found = new Map<string, TransferRepresentation>();
    if (ids.length > 0) {
      const { data } = okBody(
        await this.ledger.post<TransferLookup>(`/v1/tenants/${principal.tenantId}/transfers/lookup`, { ids }),
      );
      for (const transfer of data) if (transfer) found.set(transfer.id, transfer);
    }
    return {
      results: results.map((r) =>
        isSuccess(r.result) && found.has(r.id) ? { ...r, transfer: found.get(r.id) } : r,
      ),
    };
  }
}
