export * from './events';
export * from './partitions';
export * from './representations';
export * from './results';
export * from './wire';
