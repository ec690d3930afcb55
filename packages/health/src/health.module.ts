import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness';

export interface HealthModuleOptions {
  /** Modules that export what the readiness checks need (a database client, a Redis client). */
  imports?: ModuleMetadata['imports'];
  /** Builds the readiness checks from those providers. */
  readinessChecks: Omit<FactoryProvider<ReadinessCheck[]>, 'provide'>;
}

/** The probes at /health/{live,ready,startup}; readiness checks come from the service. */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(options.imports ?? [])],
      controllers: [HealthController],
      providers: [{ provide: READINESS_CHECKS, ...options.readinessChecks }],
    };
  }
}
