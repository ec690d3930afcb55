export * from './events';
export * from './wire';
