import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { LedgerConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks, startBackgroundLoop } from '@meridian/health';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { PostingService } from '../../application/posting.service';
import { PartitionOwnership } from '../partitions/partition-ownership';

const BATCH = 500;

/**
 * Expires pending transfers whose timeout has passed: their reservations are
 * released and `transfer.expired` is published. Each replica sweeps only the
 * partitions it owns (PartitionOwnership), so a due transfer is found by one
 * replica, not raced for by all. Expiry goes through the posting engine like
 * any other command, so it takes the same locks in the same order as
 * transfers do and cannot race a post or void of the same pending transfer,
 * or a second expiry: whichever commits first wins, and the other sees it
 * (a transfer expired already is left as it is, with no second event).
 */
@Injectable()
export class PendingExpirySweeper implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    @InjectConfig() private readonly config: LedgerConfig,
    @InjectLogger() logger: Logger,
    private readonly ownership: PartitionOwnership,
    private readonly posting: PostingService,
    private readonly hooks: ShutdownHooks,
  ) {
    this.logger = logger.child({ component: 'pending-expiry' });
  }

  onApplicationBootstrap(): void {
    startBackgroundLoop({
      name: 'pending-expiry',
      hooks: this.hooks,
      intervalMs: this.config.LEDGER_EXPIRY_INTERVAL_MS,
      pass: async () => (await this.sweep()) === BATCH,
      onError: (error) => this.logger.warn({ err: error }, 'expiring pending transfers failed; retrying'),
    });
  }

  /** Expires one batch of due pending transfers of this replica's partitions; returns how many were due. */
  async sweep(): Promise<number> {
    const due =
      (await this.ownership.withPartitions(async (session, partitions) => {
        const { rows } = await session.query<{ tenant_id: string; transfer_id: string }>(
          `SELECT tenant_id, transfer_id FROM pending_transfers
            WHERE state = 'pending' AND expires_at IS NOT NULL AND expires_at <= now()
              AND ledger_partition(tenant_id, $1) = ANY($2::int[])
            ORDER BY expires_at
            LIMIT $3`,
          [this.config.LEDGER_PARTITIONS, partitions, BATCH],
        );
        return rows;
      })) ?? [];
    if (due.length === 0) return 0;
    await this.posting.post([
      {
        commands: due.map((row) => ({
          kind: 'expire' as const,
          tenantId: row.tenant_id,
          pendingId: row.transfer_id,
        })),
        traceparent: null,
      },
    ]);
    this.logger.info({ count: due.length }, 'expired pending transfers');
    return due.length;
  }
}
