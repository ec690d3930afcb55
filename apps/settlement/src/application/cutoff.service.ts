import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PLATFORM_ID_PREFIX, SETTLEMENT_TRANSFER_CODE } from '@meridian/ledger-contract';
import { LedgerClient } from '@meridian/ledger-client';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { net, settlementTransferId } from '../domain/netting';
import { PrismaService } from '../infrastructure/persistence/prisma.service';
import { SettlementMetrics } from './settlement-metrics';

/**
 * Each tenant settles through one account per currency in the ledger, a
 * platform account (its id starts with "_"), which no tenant can create,
 * name or move money through: only this service's credential can.
 */
export const settlementAccountId = (currency: string) => `${PLATFORM_ID_PREFIX}settlement-${currency}`;

interface ItemResult {
  id: string;
  result: string;
}

/**
 * A cut-off, in steps that each survive a crash:
 *
 * 1. close: one transaction creates the batch (`closing`) and gives it every
 *    obligation of the open window (batch_id still null). Cut-offs are
 *    serialized by an advisory lock, so each obligation lands in exactly one batch;
 * 2. net: one transaction stores the bilateral nets (instructions) and the
 *    multilateral positions, and moves the batch to `posting`;
 * 3. post: each instruction becomes a ledger transfer between the two tenants'
 *    settlement accounts, with an id derived from batch, pair and currency, so
 *    posting again after a crash answers `exists` and moves nothing twice;
 *    then the batch is `completed` (or `failed` with the ledger's reason).
 *
 * A run first finishes any batch an earlier run left in `closing` or `posting`.
 */
@Injectable()
export class CutoffService {
  private readonly logger: Logger;

  constructor(
    private readonly prisma: PrismaService,
    private readonly ledger: LedgerClient,
    private readonly metrics: SettlementMetrics,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'cutoff' });
  }

  /** Returns the batch closed by this run, or null when the window was empty. */
  async run(trigger: string): Promise<string | null> {
    const unfinished = await this.prisma.settlementBatch.findMany({
      where: { state: { in: ['closing', 'posting'] } },
      orderBy: { createdAt: 'asc' },
    });
    for (const batch of unfinished) await this.settle(batch.id);
    const batchId = await this.close();
    if (batchId === null) {
      this.logger.info({ trigger }, 'cut-off: nothing to settle');
      return null;
    }
    this.logger.info({ trigger, batchId }, 'cut-off: window closed');
    await this.settle(batchId);
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

  /** Nets (if not yet) and posts (if not yet) one batch. */
  async settle(batchId: string): Promise<void> {
    const batch = await this.prisma.settlementBatch.findUniqueOrThrow({ where: { id: batchId } });
    if (batch.state === 'closing') await this.net(batchId);
    const current = await this.prisma.settlementBatch.findUniqueOrThrow({ where: { id: batchId } });
    if (current.state === 'posting') await this.post(batchId);
  }

  private async net(batchId: string): Promise<void> {
    await this.prisma.$transaction(
      async (tx) => {
        // Netting is linear: the sums per payer, payee and currency net like the obligations themselves.
        const sums = await tx.$queryRaw<{ payer: string; payee: string; currency: string; amount: bigint }[]>`
          SELECT payer_tenant_id AS payer, payee_tenant_id AS payee, currency, sum(amount)::bigint AS amount
            FROM obligations WHERE batch_id = ${batchId}
           GROUP BY 1, 2, 3`;
        const netting = net(
          sums.map((s) => ({
            payerTenantId: s.payer,
            payeeTenantId: s.payee,
            currency: s.currency,
            amount: s.amount,
          })),
        );
        await tx.settlementPosition.createMany({
          data: netting.positions.map((p) => ({
            batchId,
            tenantId: p.tenantId,
            currency: p.currency,
            net: p.net,
          })),
          skipDuplicates: true,
        });
        await tx.settlementInstruction.createMany({
          data: netting.bilateral.map((b) => ({
            batchId,
            payerTenantId: b.payerTenantId,
            payeeTenantId: b.payeeTenantId,
            currency: b.currency,
            amount: b.amount,
            transferId: settlementTransferId(batchId, b.payerTenantId, b.payeeTenantId, b.currency),
            state: 'pending',
          })),
          skipDuplicates: true,
        });
        await tx.settlementBatch.updateMany({
          where: { id: batchId, state: 'closing' },
          data: { state: 'posting' },
        });
      },
      { timeout: 120_000 },
    );
  }

  private async post(batchId: string): Promise<void> {
    const pending = await this.prisma.settlementInstruction.findMany({
      where: { batchId, state: 'pending' },
    });
    for (const tenantId of new Set(pending.flatMap((i) => [i.payerTenantId, i.payeeTenantId]))) {
      const currencies = new Set(
        pending
          .filter((i) => i.payerTenantId === tenantId || i.payeeTenantId === tenantId)
          .map((i) => i.currency),
      );
      await this.ensureSettlementAccounts(tenantId, [...currencies]);
    }
    // One ledger batch per payer (the tenant whose account is debited), up to 1000 transfers each.
    const byPayer = Map.groupBy(pending, (i) => i.payerTenantId);
    for (const [payer, instructions] of byPayer) {
      for (let i = 0; i < instructions.length; i += 1_000) {
        const chunk = instructions.slice(i, i + 1_000);
        const reply = await this.ledger.post<{ results: ItemResult[] }>(`/v1/tenants/${payer}/transfers`, {
          transfers: chunk.map((instruction) => ({
            id: instruction.transferId,
            debitAccountId: settlementAccountId(instruction.currency),
            creditTenantId: instruction.payeeTenantId,
            creditAccountId: settlementAccountId(instruction.currency),
            amount: instruction.amount.toString(),
            currency: instruction.currency,
            code: SETTLEMENT_TRANSFER_CODE,
            metadata: { batchId },
          })),
        });
        if (reply.status !== 200)
          throw new Error(`ledger answered ${reply.status} to the settlement transfers`);
        const failures = reply.body.results.filter((r) => r.result !== 'created' && r.result !== 'exists');
        if (failures.length > 0) {
          const reason = failures.map((f) => `${f.id}: ${f.result}`).join('; ');
          await this.prisma.settlementBatch.update({
            where: { id: batchId },
            data: { state: 'failed', failureReason: reason },
          });
          this.metrics.batches.inc({ state: 'failed' });
          this.logger.error({ batchId, reason }, 'settlement batch failed');
          return;
        }
        await this.prisma.settlementInstruction.updateMany({
          where: { batchId, transferId: { in: chunk.map((c) => c.transferId) } },
          data: { state: 'posted' },
        });
      }
    }
    const updated = await this.prisma.settlementBatch.updateMany({
      where: { id: batchId, state: 'posting' },
      data: { state: 'completed', completedAt: new Date() },
    });
    if (updated.count === 1) {
      this.metrics.batches.inc({ state: 'completed' });
      const batch = await this.prisma.settlementBatch.findUniqueOrThrow({ where: { id: batchId } });
      this.metrics.obligationsSettled.inc(batch.obligationCount);
      this.logger.info({ batchId, obligations: batch.obligationCount }, 'settlement batch completed');
    }
  }

  /** Creates the tenant's settlement accounts; `exists` is as good as `created`. */
  private async ensureSettlementAccounts(tenantId: string, currencies: string[]): Promise<void> {
    const reply = await this.ledger.post<{ results: { result: string }[] }>(
      `/v1/tenants/${tenantId}/accounts`,
      {
        accounts: currencies.map((currency) => ({
          id: settlementAccountId(currency),
          currency,
          code: SETTLEMENT_TRANSFER_CODE,
          // Net settlements from other tenants are credited here.
          flags: { acceptsExternalCredits: true },
        })),
      },
    );
    const bad =
      reply.status !== 200
        ? [`status ${reply.status}`]
        : reply.body.results.map((r) => r.result).filter((r) => r !== 'created' && r !== 'exists');
    if (bad.length > 0) throw new Error(`settlement accounts of ${tenantId}: ${bad.join(', ')}`);
  }
}
