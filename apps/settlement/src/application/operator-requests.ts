import { Injectable } from '@nestjs/common';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import type { Instruction } from '../domain/instruction';
import { InstructionStore } from './instruction-store.port';

/** What an operator's request found: the instruction as it is afterwards, and whether the request took. */
export type RequestResult =
  { kind: 'not-found' } | { kind: 'posted' | 'cancelled' | 'done'; instruction: Instruction };

/**
 * An instruction as the answer to an operator's request: posted and
 * cancelled are final (`cancelling` counts as cancelled for a re-drive, which
 * may not attempt it again), anything else is still pending (`done`).
 */
export function resultOf(
  instruction: Instruction | null,
  options: { cancellingIsCancelled?: boolean } = {},
): RequestResult {
  if (!instruction) return { kind: 'not-found' };
  if (instruction.state === 'posted') return { kind: 'posted', instruction };
  if (
    instruction.state === 'cancelled' ||
    (options.cancellingIsCancelled === true && instruction.cancelRequestedAt !== null)
  )
    return { kind: 'cancelled', instruction };
  return { kind: 'done', instruction };
}

/**
 * The operator's requests that need only the database, shared by the admin
 * API and the command line (which has no ledger credentials): the settlement
 * service's retry loop carries them out.
 */
@Injectable()
export class OperatorRequests {
  private readonly logger: Logger;

  constructor(
    private readonly store: InstructionStore,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'operator-requests' });
  }

  /** An instruction by its id, or by its current transfer id. */
  find(idOrTransferId: string): Promise<Instruction | null> {
    return this.store.find(idOrTransferId);
  }

  /** Makes a pending instruction due now (a parked one too): the retry loop attempts it on its next pass. */
  async scheduleNow(idOrTransferId: string): Promise<RequestResult> {
    const found = await this.find(idOrTransferId);
    if (!found) return { kind: 'not-found' };
    await this.store.makeDue(found.id);
    return resultOf(await this.find(found.id));
  }

  /**
   * Records a request to cancel a pending instruction. From then on it is
   * never attempted again; it becomes `cancelled` once its transfer id is
   * fenced in the ledger, or `posted` if the ledger turns out to have posted
   * it. A second request keeps the first one's time and reason.
   */
  async requestCancel(idOrTransferId: string, reason: string): Promise<RequestResult> {
    const found = await this.find(idOrTransferId);
    if (!found) return { kind: 'not-found' };
    if (await this.store.requestCancel(found.id, reason))
      this.logger.warn(
        { instruction: found.id, transferId: found.transferId, reason },
        'cancellation requested',
      );
    return resultOf(await this.find(found.id));
  }
}
