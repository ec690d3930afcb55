import { Body, Controller, Get, HttpCode, Module, Post, Query } from '@nestjs/common';
import { activeTraceContext } from '@meridian/telemetry';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function boundedDelay(value: string | undefined): number {
  const ms = Number(value ?? 0);
  return Number.isInteger(ms) && ms >= 0 && ms <= 60_000 ? ms : 0;
}

/**
 * Routes that exist only when TEST_ROUTES_ENABLED=true, so tests can hold a
 * request in flight (e.g. across a SIGTERM) in a real service process, or see
 * the trace context a request was handled with.
 * Never mounted unless asked for; the config schema refuses to start a
 * production deployment that asks for them.
 */
@Controller('__test')
class DiagnosticsController {
  @Get('slow')
  async slow(@Query('ms') ms?: string) {
    const delay = boundedDelay(ms);
    await sleep(delay);
    return { sleptMs: delay };
  }

  /** The trace id and baggage the request was handled with, to show what a caller's trace context became. */
  @Get('trace-context')
  traceContext() {
    return activeTraceContext();
  }

  @Post('echo')
  @HttpCode(200)
  async echo(@Body() body: unknown, @Query('ms') ms?: string) {
    await sleep(boundedDelay(ms));
    return { received: body };
  }
}

@Module({ controllers: [DiagnosticsController] })
export class DiagnosticsModule {}
