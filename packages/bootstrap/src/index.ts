export * from './diagnostics.module';
export * from './problem-details';
export * from './problem-filter';
export * from './start-http-service';
export * from './validation';
export * from './validation-pipe';
export * from './bearer-token';
export * from './token-guard';
export { isManagementRoute } from './http-listeners';
