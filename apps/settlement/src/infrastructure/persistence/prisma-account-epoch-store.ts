import { Injectable } from '@nestjs/common';
import { type AccountEpoch, AccountEpochStore } from '../../application/account-epoch-store.port';
import { PrismaService } from './prisma.service';

/** Settlement account epochs in PostgreSQL, one row per tenant and currency that rolled over. */
@Injectable()
export class PrismaAccountEpochStore extends AccountEpochStore {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  async current(pairs: readonly { tenantId: string; currency: string }[]): Promise<AccountEpoch[]> {
    if (pairs.length === 0) return [];
    return this.prisma.settlementAccountEpoch.findMany({
      where: { OR: pairs.map(({ tenantId, currency }) => ({ tenantId, currency })) },
      select: { tenantId: true, currency: true, epoch: true },
    });
  }

  async advance(tenantId: string, currency: string, from: number): Promise<boolean> {
    const advanced = await this.prisma.$executeRaw`
      INSERT INTO settlement_account_epochs (tenant_id, currency, epoch, updated_at)
      VALUES (${tenantId}, ${currency}, ${from + 1}, now())
      ON CONFLICT (tenant_id, currency) DO UPDATE SET epoch = EXCLUDED.epoch, updated_at = now()
       WHERE settlement_account_epochs.epoch = ${from}`;
    return advanced === 1;
  }
}
