export * from './events';
export * from './representations';
export * from './results';
export * from './wire';
