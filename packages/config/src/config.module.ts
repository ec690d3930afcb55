import { DynamicModule, Global, Inject, Module } from '@nestjs/common';

/** Injection token of the validated configuration object. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injects the validated configuration: `constructor(@InjectConfig() config: LedgerConfig)`. */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);

/**
 * Makes the configuration, already validated by `loadConfigOrExit` in main.ts,
 * available to every provider. Validation happens before Nest starts so that a
 * bad environment fails in milliseconds with every problem listed.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot<T extends object>(config: T): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: Object.freeze(config) }],
      exports: [APP_CONFIG],
    };
  }
}
