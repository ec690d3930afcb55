export * from './health.module';
export * from './lifecycle.module';
export * from './lifecycle';
export * from './readiness';
export * from './shutdown-hooks';
export * from './shutdown-sequence';
export * from './startup-tasks';
export * from './background-loop';
