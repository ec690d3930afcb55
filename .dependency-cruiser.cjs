// The layering every app follows (docs/architecture.md), checked by each app's
// `npm run lint` (`depcruise src --config ../../.dependency-cruiser.cjs`, run
// inside apps/<app>). Paths are relative to the app's folder. Patterns for
// packages match both a resolved path (…/node_modules/@nestjs/common/…) and a
// bare name, so the rules hold wherever the code is cruised from.

/** Frameworks and drivers: what the domain may never see. */
const FRAMEWORKS = [
  '(^|/)@nestjs/',
  '(^|/)@prisma/',
  '(^|/)src/generated/',
  '(^|/)bullmq(/|$)',
  '(^|/)ioredis(/|$)',
  '(^|/)fastify(/|$)',
  '(^|/)@fastify/',
  '(^|/)rate-limiter-flexible(/|$)',
  '(^|/)prom-client(/|$)',
  '(^|/)@opentelemetry/',
  '(^|/)pg(/|$)',
];

/** Prisma, its generated client, and the adapters built on it. */
const PERSISTENCE = [
  '(^|/)@prisma/',
  '(^|/)src/generated/',
  '(^|/)@meridian/database(/|$)',
  '(^|/)src/infrastructure/persistence/',
];

/** Drivers of the outside world that only infrastructure/ (and the composition root) may use. */
const DRIVERS = [
  '(^|/)@prisma/',
  '(^|/)src/generated/',
  '(^|/)bullmq(/|$)',
  '(^|/)ioredis(/|$)',
  '(^|/)fastify(/|$)',
  '(^|/)@meridian/(database|redis)(/|$)',
];

/** The composition root: entry points and the root module, which wire everything and are imported by nothing. */
const COMPOSITION_ROOT = '^src/(main|cli|migrate|[^/]+\\.module)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'domain/ holds types and rules only: it imports other domain files and plain libraries, ' +
        'never application/, infrastructure/, http/, the composition root, a framework or a driver.',
      from: { path: '^src/domain/' },
      to: {
        path: ['^src/(application|infrastructure|http)/', COMPOSITION_ROOT, ...FRAMEWORKS],
      },
    },
    {
      name: 'domain-uses-no-service-package',
      severity: 'error',
      comment:
        "domain/ may use the ledger's contract (formats shared with its clients), no other Meridian package: " +
        'configuration, telemetry, HTTP bootstrap and datastores belong to the outer layers.',
      from: { path: '^src/domain/' },
      to: {
        path: '(^|/)@meridian/(?!ledger-contract(/|$))',
      },
    },
    {
      name: 'application-depends-inward',
      severity: 'error',
      comment:
        'application/ (use cases and the ports they need) depends on domain/ only: it reaches ' +
        'storage, queues and Redis through ports that infrastructure/ implements, and knows nothing of HTTP.',
      from: { path: '^src/application/' },
      to: { path: ['^src/(infrastructure|http)/', COMPOSITION_ROOT, ...DRIVERS] },
    },
    {
      name: 'http-never-touches-persistence',
      severity: 'error',
      comment:
        "http/ (controllers, pipes, guards) reads and writes the service's data through application ports, " +
        'never through Prisma, its generated client or a persistence adapter.',
      from: { path: '^src/http/' },
      to: { path: [...PERSISTENCE, COMPOSITION_ROOT] },
    },
    {
      name: 'infrastructure-knows-no-http',
      severity: 'error',
      comment:
        'infrastructure/ implements application ports; it never depends on controllers, guards or request schemas.',
      from: { path: '^src/infrastructure/' },
      to: { path: ['^src/http/', COMPOSITION_ROOT] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other cannot be understood (or tested) one at a time.',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    // Type-only imports count: a type from Prisma's client couples a file to Prisma as much as a value does.
    tsPreCompilationDeps: true,
    doNotFollow: { path: ['node_modules', '(^|/)src/generated/'] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'default', 'types'],
      mainFields: ['main', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.json'],
    },
    preserveSymlinks: true,
  },
};
