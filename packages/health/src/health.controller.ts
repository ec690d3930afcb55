import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Lifecycle } from './lifecycle';
import { READINESS_CHECKS, type ReadinessCheck, ReadinessHistory } from './readiness';

const DEFAULT_CHECK_TIMEOUT_MS = 1_000;

/**
 * The three Kubernetes probes, each with one meaning:
 * - live: the process can answer at all; never checks dependencies, so a
 *   database outage does not make Kubernetes restart healthy pods;
 * - startup: boot work is done;
 * - ready: the service can serve right now and is not shutting down: no
 *   dependency has kept failing past its `failureGraceMs`.
 */
@Controller('health')
export class HealthController {
  readonly #history = new ReadinessHistory();

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: Lifecycle,
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('startup')
  @HealthCheck()
  startup() {
    return this.health.check([() => this.#lifecycleIndicator('started', this.lifecycle.started)]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    // While draining, answer 503 at once without touching dependencies.
    if (this.lifecycle.draining || !this.lifecycle.started) {
      throw new ServiceUnavailableException({
        status: 'error',
        error: { lifecycle: { status: 'down', phase: this.lifecycle.phase } },
      });
    }
    return this.health.check(
      this.checks.map(
        (c) => () =>
          this.indicators.check(c.name).attempt(async () => {
            try {
              await withTimeout(c.check, c.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
            } catch (error) {
              if (this.#history.record(c, false)) throw error;
              // Failing, but not for long enough to take this replica out of the balancer.
              return { failing: true };
            }
            this.#history.record(c, true);
          }),
      ),
    );
  }

  #lifecycleIndicator(key: string, ok: boolean) {
    const session = this.indicators.check(key);
    return ok ? session.up({ phase: this.lifecycle.phase }) : session.down({ phase: this.lifecycle.phase });
  }
}

/** Runs a check with an abort signal that fires after `ms`, and fails then even if the check ignores it. */
async function withTimeout(check: ReadinessCheck['check'], ms: number): Promise<void> {
  const signal = AbortSignal.timeout(ms);
  const timedOut = new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(new Error(`timed out after ${ms} ms`)), { once: true }),
  );
  await Promise.race([check({ signal }), timedOut]);
}
