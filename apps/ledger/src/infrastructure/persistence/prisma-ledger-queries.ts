import { Injectable } from '@nestjs/common';
import { PLATFORM_ID_PREFIX } from '@meridian/ledger-contract';
import { LedgerQueries, type Page, type PageRequest } from '../../application/ledger-queries.port';
import type { Account } from '../../domain/account';
import type { PendingTransferState, Transfer } from '../../domain/transfer';
import { PrismaService } from './prisma.service';
import { toAccount, toPendingTransfer, toTransfer, toTransferFromModel, type TransferRow } from './rows';

/** The ledger's reads with Prisma; every query is scoped by the tenant it is given. */
@Injectable()
export class PrismaLedgerQueries extends LedgerQueries {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async account(tenantId: string, id: string): Promise<Account | null> {
    const row = await this.prisma.account.findUnique({ where: { tenantId_id: { tenantId, id } } });
    return row && toAccount(row);
  }

  async accountExists(tenantId: string, id: string): Promise<boolean> {
    return (await this.prisma.account.count({ where: { tenantId, id } })) > 0;
  }

  async accounts(
    tenantId: string,
    { limit, after }: PageRequest,
    options: { platformAccounts: boolean },
  ): Promise<Page<Account>> {
    const rows = await this.prisma.account.findMany({
      where: {
        tenantId,
        ...(after === null ? {} : { seq: { gt: after } }),
        // (startsWith becomes LIKE, where "_" is a wildcard: hence the escape.)
        ...(options.platformAccounts ? {} : { NOT: { id: { startsWith: `\\${PLATFORM_ID_PREFIX}` } } }),
      },
      orderBy: { seq: 'asc' },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { items: page.map(toAccount), next: rows.length > limit ? page.at(-1)!.seq : null };
  }

  async transfer(
    tenantId: string,
    id: string,
  ): Promise<{ transfer: Transfer; pending: PendingTransferState | null } | null> {
    const [found, pending] = await Promise.all([
      this.prisma.transfer.findUnique({ where: { tenantId_id: { tenantId, id } } }),
      this.prisma.pendingTransfer.findUnique({
        where: { tenantId_transferId: { tenantId, transferId: id } },
      }),
    ]);
    if (!found) return null;
    return { transfer: toTransferFromModel(found), pending: pending && toPendingTransfer(pending) };
  }

  async transfers(tenantId: string, ids: readonly string[]): Promise<Transfer[]> {
    const found = await this.prisma.transfer.findMany({ where: { tenantId, id: { in: [...ids] } } });
    return found.map(toTransferFromModel);
  }

  async accountTransfers(
    tenantId: string,
    accountId: string,
    { limit, after }: PageRequest,
  ): Promise<Page<Transfer>> {
    // Newest first across both sides of the account: each side reads its own
    // ordered index, and the two short lists are merged (an OR would not use them).
    const before = after ?? 2n ** 63n - 1n;
    const rows = await this.prisma.$queryRaw<(TransferRow & { cursor: bigint })[]>`
      SELECT * FROM (
        (SELECT *, seq AS cursor FROM transfers
          WHERE tenant_id = ${tenantId} AND debit_account_id = ${accountId} AND seq < ${before}
          ORDER BY seq DESC LIMIT ${limit + 1})
        UNION ALL
        (SELECT *, seq AS cursor FROM transfers
          WHERE credit_tenant_id = ${tenantId} AND credit_account_id = ${accountId} AND seq < ${before}
          ORDER BY seq DESC LIMIT ${limit + 1})
      ) AS both_sides
      ORDER BY cursor DESC
      LIMIT ${limit + 1}`;
    const page = rows.slice(0, limit);
    return { items: page.map(toTransfer), next: rows.length > limit ? page.at(-1)!.cursor : null };
  }
}
