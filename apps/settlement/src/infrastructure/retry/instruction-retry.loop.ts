import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { SettlementConfig } from '../../config';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks, startBackgroundLoop } from '@meridian/health';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { InstructionPoster } from '../../application/instruction-poster';

/**
 * Every SETTLEMENT_RETRY_INTERVAL_MS: fences the instructions operators asked
 * to cancel, completes the batches left with nothing pending, then attempts the instructions whose next attempt is due (each
 * has its own backoff). Every replica runs it; instructions are locked while
 * in flight, so replicas share the work without sending one twice at once.
 * It stops in the drain phase of shutdown, after the round in progress.
 */
@Injectable()
export class InstructionRetryLoop implements OnApplicationBootstrap {
  private readonly logger: Logger;

  constructor(
    @InjectConfig() private readonly config: SettlementConfig,
    @InjectLogger() logger: Logger,
    private readonly hooks: ShutdownHooks,
    private readonly poster: InstructionPoster,
  ) {
    this.logger = logger.child({ component: 'instruction-retry' });
  }

  onApplicationBootstrap(): void {
    startBackgroundLoop({
      name: 'instruction-retry',
      hooks: this.hooks,
      intervalMs: this.config.SETTLEMENT_RETRY_INTERVAL_MS,
      pass: () => this.pass(),
      onError: (error) =>
        this.logger.warn({ err: error }, 'retrying settlement instructions failed; retrying'),
    });
  }

  /** One pass; true when there is more to do at once. */
  async pass(): Promise<boolean> {
    await this.poster.fenceRequested();
    // A batch whose last instruction posted just before the process died was
    // never completed by that round; nothing is due for it any more.
    await this.poster.completeBatches();
    const round = await this.poster.round();
    return round.again || round.attempted === InstructionPoster.ROUND_SIZE;
  }
}
