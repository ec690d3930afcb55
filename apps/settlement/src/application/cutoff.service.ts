import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { net, settlementTransferId, splitAmount } from '../domain/netting';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../infrastructure/persistence/prisma.service';
import { InstructionPoster } from './instruction-poster';
import { SettlementAccounts } from './settlement-accounts';

/**
 * A cut-off, in steps that each survive a crash:
 *
 * 1. close: one transaction creates the batch (`closing`) and gives it every
 *    obligation of the open window (batch_id still null). Cut-offs are
 *    serialized by an advisory lock, so each obligation lands in exactly one batch;
 * 2. net: one transaction stores the bilateral nets as instructions (in parts
 *    of at most 2^63-1) and the multilateral positions (exact decimals), and
 *    moves the batch to `posting`;
 * 3. post: the batch's instructions are attempted at once, each on its own
 *    (InstructionPoster). One the ledger does not post stays `pending` with
 *    its reason and is retried by the retry loop; it holds back nothing else.
 *    The batch is `completed` once every instruction is posted or cancelled.
 *
 * A cut-off always closes, nets and posts its own window first, whatever
 * older batches hold; then it nets any batch an interrupted run left in
 * `closing`. Older instructions are the retry loop's.
 */
@Injectable()
export class CutoffService {
  private readonly logger: Logger;

  constructor(
    private readonly prisma: PrismaService,
    private readonly poster: InstructionPoster,
    private readonly accounts: SettlementAccounts,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'cutoff' });
  }

  /** Returns the batch closed by this run, or null when the window was empty. */
  async run(trigger: string): Promise<string | null> {
    const batchId = await this.close();
    if (batchId === null) this.logger.info({ trigger }, 'cut-off: nothing to settle');
    else {
      this.logger.info({ trigger, batchId }, 'cut-off: window closed');
      await this.settle(batchId);
    }
    const leftovers = await this.prisma.settlementBatch.findMany({
      where: { state: 'closing', ...(batchId === null ? {} : { id: { not: batchId } }) },
      orderBy: { createdAt: 'asc' },
      select: { id: true },
    });
    for (const { id } of leftovers) {
      this.logger.warn({ batchId: id }, 'cut-off: netting a batch an interrupted run left closing');
      await this.settle(id);
    }
    return batchId;
  }

  private async close(): Promise<string | null> {
    const id = `batch-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('meridian-settlement-cutoff'))`;
        await tx.settlementBatch.create({ data: { id, state: 'closing', cutoffAt: new Date() } });
        const assigned = await tx.$executeRaw`UPDATE obligations SET batch_id = ${id} WHERE batch_id IS NULL`;
        if (assigned === 0) {
          await tx.settlementBatch.delete({ where: { id } });
          return null;
        }
        await tx.settlementBatch.update({ where: { id }, data: { obligationCount: assigned } });
        return id;
      },
      { timeout: 120_000 },
    );
  }

  /** Nets (if not yet) and makes the first attempt of the batch's instructions. */
  async settle(batchId: string): Promise<void> {
    await this.net(batchId);
    await this.poster.postDue(batchId, { wait: true });
    // A batch without instructions (every pair netted to zero) is complete now.
    await this.poster.completeBatches([batchId]);
  }

  private async net(batchId: string): Promise<void> {
    await this.prisma.$transaction(
      async (tx) => {
        // Another replica may be netting it: the first one does, the other finds it netted.
        const [batch] = await tx.$queryRaw<{ state: string }[]>`
          SELECT state FROM settlement_batches WHERE id = ${batchId} FOR UPDATE`;
        if (batch?.state !== 'closing') return;
        // Netting is linear: the sums per payer, payee and currency net like the obligations themselves.
        // sum() of BIGINT is NUMERIC in PostgreSQL: exact at any size; read as text, then bigint.
        const sums = await tx.$queryRaw<
          { payer: string; payee: string; currency: string; amount: string; count: number }[]
        >`
          SELECT payer_tenant_id AS payer, payee_tenant_id AS payee, currency,
                 sum(amount)::text AS amount, count(*)::int AS count
            FROM obligations WHERE batch_id = ${batchId}
           GROUP BY 1, 2, 3`;
        const netting = net(
          sums.map((s) => ({
            payerTenantId: s.payer,
            payeeTenantId: s.payee,
            currency: s.currency,
            amount: BigInt(s.amount),
            count: s.count,
          })),
        );
        await tx.settlementPosition.createMany({
          data: netting.positions.map((p) => ({
            batchId,
            tenantId: p.tenantId,
            currency: p.currency,
            net: new Prisma.Decimal(p.net.toString()),
            obligationCount: p.obligationCount,
          })),
          skipDuplicates: true,
        });
        const epochOf = await this.accounts.currentEpochs(
          netting.positions.map((p) => ({ tenantId: p.tenantId, currency: p.currency })),
        );
        // Due at once, by the database's clock (the one the poster compares with).
        const [{ now }] = (await tx.$queryRaw<{ now: Date }[]>`SELECT now() AS now`) as [{ now: Date }];
        const instructions = netting.bilateral.flatMap((b) =>
          splitAmount(b.amount).map((amount, part) => {
            const id = settlementTransferId(batchId, b.payerTenantId, b.payeeTenantId, b.currency, part);
            return {
              id,
              batchId,
              payerTenantId: b.payerTenantId,
              payeeTenantId: b.payeeTenantId,
              currency: b.currency,
              part,
              amount,
              state: 'pending',
              transferId: id,
              debitEpoch: epochOf(b.payerTenantId, b.currency),
              creditEpoch: epochOf(b.payeeTenantId, b.currency),
              nextAttemptAt: now,
            };
          }),
        );
        for (let i = 0; i < instructions.length; i += 5_000)
          await tx.settlementInstruction.createMany({
            data: instructions.slice(i, i + 5_000),
            skipDuplicates: true,
          });
        await tx.settlementBatch.update({
          where: { id: batchId },
          data: { state: 'posting', nettedAt: now },
        });
        this.logger.info(
          { batchId, pairs: netting.bilateral.length, instructions: instructions.length },
          'cut-off: batch netted',
        );
      },
      { timeout: 120_000 },
    );
  }
}
