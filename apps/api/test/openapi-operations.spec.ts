import { Module, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { isManagementRoute } from '@meridian/bootstrap';
import { ConfigModule } from '@meridian/config/nest';
import { LifecycleModule } from '@meridian/health';
import { createLogger, ServiceMetrics, TelemetryModule } from '@meridian/telemetry';
import { ApiModule } from '../src/api.module';
import { SCOPE } from '../src/http/api-key.guard';
import { IDEMPOTENT } from '../src/http/idempotency.interceptor';
import document from '../openapi.json';

/** Public routes that are not operations of the API: the reference, its script and the document itself. */
const NOT_OPERATIONS = ['GET /docs', 'GET /docs/openapi.json', 'GET /docs/redoc.standalone.js'];

/**
 * Every route the api's Nest app registers, as "METHOD /path/{param}", read
 * from Fastify's router as Nest fills it. Nest's preview mode builds the
 * module graph and registers every route without instantiating a provider,
 * so no configuration, database or Redis is needed. The app is composed as
 * startHttpService composes it (global config, lifecycle and telemetry).
 */
async function appRoutes(): Promise<string[]> {
  const logger = createLogger({ service: 'api', version: 'test', level: 'silent' });
  @Module({
    imports: [
      ConfigModule.forRoot({}),
      LifecycleModule,
      TelemetryModule.forRoot({ logger, metrics: new ServiceMetrics({ service: 'api' }) }),
      ApiModule,
    ],
  })
  class PreviewModule {}
  const adapter = new FastifyAdapter();
  const routes: string[] = [];
  adapter.getInstance().addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  const app = await NestFactory.create<NestFastifyApplication>(PreviewModule, adapter, {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  await app.init();
  await app.close();
  return routes.map((route) => route.replace(/:(\w+)/g, '{$1}'));
}

/** What each route's handler is decorated with: the scope it requires and whether it is idempotent. */
function decoratedRoutes(): Map<string, { scope: unknown; idempotent: boolean }> {
  const routes = new Map<string, { scope: unknown; idempotent: boolean }>();
  const controllers = Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, ApiModule) as Type[];
  for (const controller of controllers) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const path = [base, Reflect.getMetadata(PATH_METADATA, handler) as string]
        .flatMap((part) => part.split('/'))
        .filter(Boolean)
        .map((segment) => segment.replace(/^:(\w+)$/, '{$1}'))
        .join('/');
      routes.set(`${RequestMethod[method]} /${path}`, {
        scope: Reflect.getMetadata(SCOPE, handler),
        idempotent: Reflect.getMetadata(IDEMPOTENT, handler) !== undefined,
      });
    }
  }
  return routes;
}

const pathParams = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);

type Operation = {
  parameters?: { name?: string; in?: string; $ref?: string }[];
  security?: Record<string, string[]>[];
};
const operations = Object.entries(
  document.paths as unknown as Record<string, Record<string, Operation>>,
).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    route: `${method.toUpperCase()} ${path}`,
    path,
    operation,
  })),
);

describe('OpenAPI operations and the routes of the app', () => {
  let publicRoutes: string[];

  beforeAll(async () => {
    publicRoutes = (await appRoutes()).filter(
      (route) =>
        // HEAD answers every GET (Fastify adds it); probes, metrics and /admin are served on the management port only.
        !route.startsWith('HEAD ') && !isManagementRoute(route.slice(route.indexOf(' ') + 1)),
    );
  });

  it('has exactly one operation for every public route, and a public route for every operation', () => {
    const routes = publicRoutes.filter((route) => !NOT_OPERATIONS.includes(route)).sort();
    expect(operations.map((op) => op.route).sort()).toEqual(routes);
    // The list holds what the app serves, not an empty set that would match an empty document.
    expect(routes).toContain('POST /v1/transfers');
  });

  it('declares for every operation the path parameters its path names, and no others', () => {
    for (const { route, path, operation } of operations) {
      const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect({ route, declared }).toEqual({ route, declared: pathParams(path) });
    }
  });

  it("declares for every operation the scope its handler's @RequireScope requires, and the Idempotency-Key exactly where @Idempotent is", () => {
    const decorated = decoratedRoutes();
    for (const { route, operation } of operations) {
      const declared = {
        scope: operation.security?.[0]?.apiKey?.[0],
        idempotent: (operation.parameters ?? []).some(
          (p) => p.$ref === '#/components/parameters/IdempotencyKey',
        ),
      };
      expect({ route, ...declared }).toEqual({ route, ...decorated.get(route) });
    }
    // Both kinds are there to compare: a read, and a write that moves money.
    expect([...decorated.values()]).toEqual(
      expect.arrayContaining([
        { scope: 'read', idempotent: false },
        { scope: 'write', idempotent: true },
      ]),
    );
  });

  it('serves the excluded routes publicly, so the exclusion list stays true', () => {
    for (const route of NOT_OPERATIONS) expect(publicRoutes).toContain(route);
  });
});
