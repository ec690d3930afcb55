import { Controller, Get, Global, Header, Inject, Module, type DynamicModule, Res } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceMetrics } from './metrics';

/** Injection token of the service's pino logger. */
export const APP_LOGGER = Symbol('APP_LOGGER');

/** Injects the pino logger: `constructor(@InjectLogger() logger: Logger)`; use `logger.child({ component })`. */
export const InjectLogger = (): ParameterDecorator => Inject(APP_LOGGER);

@Controller()
class MetricsController {
  constructor(private readonly metrics: ServiceMetrics) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(
    @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown },
  ): Promise<string> {
    reply.header('Content-Type', this.metrics.contentType());
    return this.metrics.render();
  }
}

export interface TelemetryModuleOptions {
  logger: Logger;
  metrics: ServiceMetrics;
}

/** The service's logger and metrics for injection, and the Prometheus `/metrics` endpoint. */
@Global()
@Module({})
export class TelemetryModule {
  static forRoot(options: TelemetryModuleOptions): DynamicModule {
    return {
      module: TelemetryModule,
      controllers: [MetricsController],
      providers: [
        { provide: ServiceMetrics, useValue: options.metrics },
        { provide: APP_LOGGER, useValue: options.logger },
      ],
      exports: [ServiceMetrics, APP_LOGGER],
    };
  }
}
