export * from './caller-trace-context';
export * from './fastify-observer';
export * from './logger';
export * from './metrics';
export * from './nest-logger';
export * from './sdk';
export * from './telemetry.module';
