export * from './databases';
export * from './http';
export * from './paths';
export * from './redis';
export * from './run-script';
export * from './service-conventions';
export * from './service-process';
export * from './tcp-proxy';
