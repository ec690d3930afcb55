export * from './cli';
export * from './migration-config';
export * from './migrations';
export * from './pool';
export * from './prisma-database';
export * from './prisma-service';
