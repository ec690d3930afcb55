import { type ApiStack, request, SETTLEMENT_TOKEN } from './api-fixture';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Drives the stack's settlement service through its internal API, as an operator or the scheduler would. */
export class SettlementDriver {
  constructor(private readonly stack: ApiStack) {}

  private call(method: string, path: string) {
    return request(this.stack.settlement!.service.url, method, path, undefined, {
      authorization: `Bearer ${SETTLEMENT_TOKEN}`,
    });
  }

  /** Waits until the open window holds at least `count` obligations. */
  async waitForObligations(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    while (Date.now() < deadline) {
      seen = (await this.call('GET', '/internal/batches')).body.open.obligationCount as number;
      if (seen >= count) return;
      await sleep(100);
    }
    throw new Error(`only ${seen} of ${count} obligations recorded`);
  }

  /** Triggers a cut-off and waits for its job; returns the batch it closed (null: nothing to settle). */
  async cutoff(timeoutMs = 60_000): Promise<string | null> {
    const { body: trigger } = await this.call('POST', '/internal/cutoffs');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { body: status } = await this.call('GET', `/internal/cutoffs/${trigger.jobId as string}`);
      if (status.state === 'completed') return status.batchId as string | null;
      if (status.state === 'failed') throw new Error(`cut-off failed: ${status.failedReason as string}`);
      await sleep(100);
    }
    throw new Error('cut-off did not finish');
  }
}
