import { Injectable } from '@nestjs/common';
import type { AccountResult } from '@meridian/ledger-contract';
import type { Account, NewAccount } from '../domain/account';
import { sameMetadata } from '../domain/transfer';
import { AccountStore } from './account-store.port';

/**
 * Creates accounts idempotently by client id: a new id is created, the same
 * id with the same fields is `exists`, and with other fields the first field
 * that differs. One statement inserts the whole batch.
 */
@Injectable()
export class CreateAccountsService {
  constructor(private readonly store: AccountStore) {}

  async create(
    tenantId: string,
    accounts: NewAccount[],
  ): Promise<{ result: AccountResult; account: Account }[]> {
    const { created, stored } = await this.store.insertNew(tenantId, accounts);
    const reported = new Set<string>();
    return accounts.map((request) => {
      const account = stored.get(request.id)!;
      // The first occurrence of a new id in the batch created it; repeats compare with it.
      if (created.has(request.id) && !reported.has(request.id)) {
        reported.add(request.id);
        return { result: 'created' as const, account };
      }
      return { result: compare(account, request), account };
    });
  }
}

function compare(stored: Account, request: NewAccount): AccountResult {
  if (stored.currency !== request.currency) return 'exists_with_different_currency';
  if (stored.code !== request.code) return 'exists_with_different_code';
  if (
    stored.debitsMustNotExceedCredits !== request.debitsMustNotExceedCredits ||
    stored.creditsMustNotExceedDebits !== request.creditsMustNotExceedDebits ||
    stored.acceptsExternalCredits !== request.acceptsExternalCredits
  ) {
    return 'exists_with_different_flags';
  }
  if (!sameMetadata(stored.metadata, request.metadata)) return 'exists_with_different_metadata';
  return 'exists';
}
