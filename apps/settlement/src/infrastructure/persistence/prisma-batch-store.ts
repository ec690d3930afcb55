import { Injectable } from '@nestjs/common';
import { BatchStore, type NettedBatch, type ObligationSum } from '../../application/batch-store.port';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from './prisma.service';

/** Cut-offs can take long on a large window: their transactions are given minutes, not seconds. */
const CUTOFF_TRANSACTION = { timeout: 120_000 };

/** Settlement batches, their positions and the instructions netting creates, in PostgreSQL. */
@Injectable()
export class PrismaBatchStore extends BatchStore {
  constructor(private readonly prisma: PrismaService) {
    super();
  }

  close(id: string): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('meridian-settlement-cutoff'))`;
      await tx.settlementBatch.create({ data: { id, state: 'closing', cutoffAt: new Date() } });
      const assigned = await tx.$executeRaw`UPDATE obligations SET batch_id = ${id} WHERE batch_id IS NULL`;
      if (assigned === 0) {
        await tx.settlementBatch.delete({ where: { id } });
        return 0;
      }
      await tx.settlementBatch.update({ where: { id }, data: { obligationCount: assigned } });
      return assigned;
    }, CUTOFF_TRANSACTION);
  }

  async closing(except: string | null): Promise<string[]> {
    const batches = await this.prisma.settlementBatch.findMany({
      where: { state: 'closing', ...(except === null ? {} : { id: { not: except } }) },
      orderBy: { createdAt: 'asc' },
      select: { id: true },
    });
    return batches.map((batch) => batch.id);
  }

  net(batchId: string, plan: (sums: ObligationSum[]) => Promise<NettedBatch>): Promise<NettedBatch | null> {
    return this.prisma.$transaction(async (tx) => {
      // Another replica may be netting it: the first one does, the other finds it netted.
      const [batch] = await tx.$queryRaw<{ state: string }[]>`
        SELECT state FROM settlement_batches WHERE id = ${batchId} FOR UPDATE`;
      if (batch?.state !== 'closing') return null;
      // Netting is linear: the sums per payer, payee and currency net like the obligations themselves.
      // sum() of BIGINT is NUMERIC in PostgreSQL: exact at any size; read as text, then bigint.
      const sums = await tx.$queryRaw<
        { payer: string; payee: string; currency: string; amount: string; count: number }[]
      >`
        SELECT payer_tenant_id AS payer, payee_tenant_id AS payee, currency,
               sum(amount)::text AS amount, count(*)::int AS count
          FROM obligations WHERE batch_id = ${batchId}
         GROUP BY 1, 2, 3`;
      const netted = await plan(
        sums.map((s) => ({
          payerTenantId: s.payer,
          payeeTenantId: s.payee,
          currency: s.currency,
          amount: BigInt(s.amount),
          count: s.count,
        })),
      );
      await tx.settlementPosition.createMany({
        data: netted.positions.map((p) => ({
          batchId,
          tenantId: p.tenantId,
          currency: p.currency,
          net: new Prisma.Decimal(p.net.toString()),
          obligationCount: p.obligationCount,
        })),
        skipDuplicates: true,
      });
      // Due at once, by the database's clock (the one the poster compares with).
      const [{ now }] = (await tx.$queryRaw<{ now: Date }[]>`SELECT now() AS now`) as [{ now: Date }];
      const instructions = netted.instructions.map((i) => ({ ...i, state: 'pending', nextAttemptAt: now }));
      for (let i = 0; i < instructions.length; i += 5_000)
        await tx.settlementInstruction.createMany({
          data: instructions.slice(i, i + 5_000),
          skipDuplicates: true,
        });
      await tx.settlementBatch.update({
        where: { id: batchId },
        data: { state: 'posting', nettedAt: now },
      });
      return netted;
    }, CUTOFF_TRANSACTION);
  }

  async complete(batchIds?: readonly string[]): Promise<{ id: string; obligationCount: number }[]> {
    if (batchIds?.length === 0) return [];
    const only = batchIds ? Prisma.sql`b.id = ANY(${[...batchIds]}::text[]) AND` : Prisma.empty;
    const completed = await this.prisma.$queryRaw<{ id: string; obligation_count: number }[]>`
      UPDATE settlement_batches AS b SET state = 'completed', completed_at = now()
       WHERE ${only} b.state = 'posting'
         AND NOT EXISTS (SELECT 1 FROM settlement_instructions AS i WHERE i.batch_id = b.id AND i.state = 'pending')
      RETURNING b.id, b.obligation_count`;
    return completed.map((batch) => ({ id: batch.id, obligationCount: batch.obligation_count }));
  }
}
