import { Injectable } from '@nestjs/common';
import { AccountStore, type InsertedAccounts } from '../../application/account-store.port';
import type { NewAccount } from '../../domain/account';
import { PrismaService } from './prisma.service';
import { toAccount } from './rows';

/** Accounts in PostgreSQL: one statement inserts a whole batch. */
@Injectable()
export class PrismaAccountStore extends AccountStore {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  insertNew(tenantId: string, accounts: readonly NewAccount[]): Promise<InsertedAccounts> {
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
      const stored = await tx.account.findMany({ where: { tenantId, id: { in: ids } } });
      return {
        created: new Set(inserted.map((row) => row.id)),
        stored: new Map(stored.map((row) => [row.id, toAccount(row)])),
      };
    });
  }
}
