import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { net, type Netting, settlementTransferId, splitAmount } from '../domain/netting';
import { BatchStore, type NewInstruction } from './batch-store.port';
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
    private readonly batches: BatchStore,
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
    const leftovers = await this.batches.closing(batchId);
    for (const id of leftovers) {
      this.logger.warn({ batchId: id }, 'cut-off: netting a batch an interrupted run left closing');
      await this.settle(id);
    }
    return batchId;
  }

  private async close(): Promise<string | null> {
    const id = `batch-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    return (await this.batches.close(id)) === 0 ? null : id;
  }

  /** Nets (if not yet) and makes the first attempt of the batch's instructions. */
  async settle(batchId: string): Promise<void> {
    await this.net(batchId);
    await this.poster.postDue(batchId, { wait: true });
    // A batch without instructions (every pair netted to zero) is complete now.
    await this.poster.completeBatches([batchId]);
  }

  private async net(batchId: string): Promise<void> {
    let pairs = 0;
    const netted = await this.batches.net(batchId, async (sums) => {
      const netting = net(sums);
      pairs = netting.bilateral.length;
      return { positions: netting.positions, instructions: await this.instructionsOf(batchId, netting) };
    });
    if (netted !== null)
      this.logger.info({ batchId, pairs, instructions: netted.instructions.length }, 'cut-off: batch netted');
  }

  /** The bilateral nets as instructions, in parts of at most 2^63-1, between the tenants' current accounts. */
  private async instructionsOf(batchId: string, netting: Netting): Promise<NewInstruction[]> {
    const epochOf = await this.accounts.currentEpochs(
      netting.positions.map((p) => ({ tenantId: p.tenantId, currency: p.currency })),
    );
    return netting.bilateral.flatMap((b) =>
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
          transferId: id,
          debitEpoch: epochOf(b.payerTenantId, b.currency),
          creditEpoch: epochOf(b.payeeTenantId, b.currency),
        };
      }),
    );
  }
}
