import { Injectable } from '@nestjs/common';
import type { AccountResult } from '@meridian/ledger-contract';
import { sameMetadata } from '../../domain/transfer';
import { PrismaService } from '../../infrastructure/persistence/prisma.service';
import type { Account } from '../../generated/prisma/client';
import type { NewAccount } from './create-accounts.request';

/**
 * Creates accounts idempotently by client id: a new id is created, the same
 * id with the same fields is `exists`, and with other fields the first field
 * that differs. One statement inserts the whole batch.
 */
@Injectable()
export class CreateAccountsService {
  constructor(private readonly prisma: PrismaService) {}

  async create(
    tenantId: string,
    accounts: NewAccount[],
  ): Promise<{ result: AccountResult; account: Account }[]> {
    const ids = accounts.map((a) => a.id);
    return this.prisma.$transaction(async (tx) => {
      // One statement for the batch (Prisma's createMany cannot report which rows were new).
      const inserted = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO accounts (tenant_id, id, currency, code, metadata, debits_must_not_exceed_credits,
                              credits_must_not_exceed_debits, accepts_external_credits)
        SELECT ${tenantId}, * FROM unnest(${ids}::text[], ${accounts.map((a) => a.currency)}::text[],
                                          ${accounts.map((a) => a.code)}::int[],
                                          ${accounts.map((a) => JSON.stringify(a.metadata))}::jsonb[],
                                          ${accounts.map((a) => a.debitsMustNotExceedCredits)}::bool[],
                                          ${accounts.map((a) => a.creditsMustNotExceedDebits)}::bool[],
                                          ${accounts.map((a) => a.acceptsExternalCredits)}::bool[])
        ON CONFLICT (tenant_id, id) DO NOTHING
        RETURNING id`;
      const created = new Set(inserted.map((row) => row.id));
      const stored = new Map(
        (await tx.account.findMany({ where: { tenantId, id: { in: ids } } })).map((account) => [
          account.id,
          account,
        ]),
      );
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
  if (!sameMetadata(stored.metadata as Record<string, string>, request.metadata))
    return 'exists_with_different_metadata';
  return 'exists';
}
