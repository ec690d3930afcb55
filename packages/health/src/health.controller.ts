import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Lifecycle } from './lifecycle';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness';

const DEFAULT_CHECK_TIMEOUT_MS = 1_000;

/**
 * The three Kubernetes probes, each with one meaning:
 * - live: the process can answer at all; never checks dependencies, so a
 *   database outage does not make Kubernetes restart healthy pods;
 * - startup: boot work is done;
 * - ready: the service can serve right now (dependencies answer) and is not
 *   shutting down.
 */
@Controller('health')
export class HealthController {
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
          this.indicators
            .check(c.name)
            .attempt(({ signal }) => c.check({ signal }).then(() => undefined))
            .withTimeout(c.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS),
      ),
    );
  }

  #lifecycleIndicator(key: string, ok: boolean) {
    const session = this.indicators.check(key);
    return ok ? session.up({ phase: this.lifecycle.phase }) : session.down({ phase: this.lifecycle.phase });
  }
}
