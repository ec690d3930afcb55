export * from './app-schemas';
export * from './document';
export * from './fields';
export * from './load';
export * from './parts';
export * from './readme-tables';
export * from './rules';
