// Shared Jest settings for every workspace. Each workspace's jest.config.cjs
// re-exports this, so `npm test` at the root (through Turborepo) and `npm test`
// inside one workspace run the same way.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'].filter((dir) =>
    require('node:fs').existsSync(dir.replace('<rootDir>', process.cwd())),
  ),
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  // NestJS 12 (and a few other dependencies) ship only as ES modules. Node 24
  // loads them from our CommonJS output through require(esm); Jest's module
  // runtime does not do that reliably, so under Jest they are compiled to
  // CommonJS like our own sources.
  // Prisma's generated client (TypeScript) imports its siblings as './x.js',
  // as Node's ES module resolution wants; under Jest that means './x.ts'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@fastify/otel|cockatiel)/)'],
  transform: {
    '^.+\\.(ts|js)$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2024',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  // Integration tests start real processes and talk to real PostgreSQL and
  // Redis; they are given time, and never judged by speed.
  testTimeout: 60_000,
  // Suites in one workspace share one PostgreSQL and Redis; running them one at
  // a time keeps process-level tests (signals, ports, timing) deterministic on
  // two-core machines.
  maxWorkers: 1,
  passWithNoTests: false,
};
