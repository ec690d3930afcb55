import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigModule } from '@meridian/config/nest';
import { Lifecycle, LifecycleModule, ShutdownHooks, ShutdownSequence, StartupTasks } from '@meridian/health';
import {
  createLogger,
  observeFastifyRequests,
  PinoNestLogger,
  ServiceMetrics,
  shutdownTelemetry,
  TelemetryModule,
  type Logger,
} from '@meridian/telemetry';
import { DiagnosticsModule } from './diagnostics.module';
import { HttpListeners } from './http-listeners';
import { onFrameworkError, ProblemDetailsFilter } from './problem-filter';

/** The configuration every HTTP service has (see the shared parts in @meridian/config). */
export interface HttpServiceConfig {
  PORT: number;
  MANAGEMENT_PORT: number;
  HOST: string;
  HTTP_BODY_LIMIT_BYTES: number;
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
  TEST_ROUTES_ENABLED: boolean;
  SHUTDOWN_DELAY_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
  LOG_LEVEL: string;
  OTEL_SERVICE_NAME: string;
  /** Proxies whose X-Forwarded-For names the client (request.ip); absent or 0: the TCP peer. */
  TRUST_PROXY_HOPS?: number;
  TRACE_CONTEXT_TRUSTED: boolean;
}

export interface HttpServiceOptions<C extends HttpServiceConfig> {
  /** Service name, as in logs and metrics. */
  service: string;
  version: string;
  config: C;
  /** The service's own root module; it imports HealthModule.forRoot with its readiness checks. */
  module: Type<unknown> | DynamicModule;
}

export interface RunningService {
  app: NestFastifyApplication;
  logger: Logger;
  url: string;
  /** Where probes, /metrics and /admin answer. */
  managementUrl: string;
}

/**
 * Starts a service the same way everywhere: JSON logs, metrics, problem+json
 * errors, probes, startup tasks and the graceful shutdown sequence. Call it
 * from main.ts after `loadConfigOrExit` and with telemetry already started.
 */
export async function startHttpService<C extends HttpServiceConfig>(
  options: HttpServiceOptions<C>,
): Promise<RunningService> {
  const { config, service, version } = options;
  const logger = createLogger({ service, version, level: config.LOG_LEVEL });
  guardProcess(logger);
  const metrics = new ServiceMetrics({ service });

  @Module({
    imports: [
      ConfigModule.forRoot(config),
      LifecycleModule,
      TelemetryModule.forRoot({ logger, metrics }),
      options.module,
      ...(config.TEST_ROUTES_ENABLED ? [DiagnosticsModule] : []),
    ],
  })
  class ServiceModule {}

  const listeners = new HttpListeners({
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    // Headers and body must arrive within this time; a stalled client cannot
    // hold a connection (and a shutdown) open forever.
    requestTimeoutMs: Math.max(config.SHUTDOWN_TIMEOUT_MS - config.SHUTDOWN_DELAY_MS, 1_000),
  });
  const adapter = new FastifyAdapter({
    ...listeners.fastifyOptions(),
    bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
    // On close (by then keep-alive has ended, see HttpListeners.stopKeepAlive): idle
    // connections are closed at once, busy ones after their response; a request
    // that arrives on one meanwhile gets 503 with `Connection: close`.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    frameworkErrors: onFrameworkError,
    logger: false,
    // Trust the nearest TRUST_PROXY_HOPS addresses of X-Forwarded-For (Fastify's numeric form,
    // which Nest's types leave out); none: request.ip is the peer, with no per-request parsing.
    trustProxy: config.TRUST_PROXY_HOPS
      ? (_address: string, hop: number) => hop < config.TRUST_PROXY_HOPS!
      : false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(ServiceModule, adapter, {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    abortOnError: false,
  });
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  const fastify = app.getHttpAdapter().getInstance();
  listeners.bindRoutes(fastify);
  observeFastifyRequests(fastify, logger, metrics);
  const lifecycle = app.get(Lifecycle);
  const shutdown = new ShutdownSequence({
    lifecycle,
    hooks: app.get(ShutdownHooks),
    logger,
    delayMs: config.SHUTDOWN_DELAY_MS,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    stopKeepAlive: () => listeners.stopKeepAlive(),
    closeIdleConnections: () => listeners.closeIdleConnections(),
    closeServer: async () => {
      await Promise.all([app.close(), listeners.closeManagement()]);
    },
    flushTelemetry: async () => {
      await shutdownTelemetry();
      logger.flush();
    },
  }).install();

  await app.listen({ port: config.PORT, host: config.HOST });
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  // After the public listener: by then every route is registered.
  const managementPort = await listeners.listenManagement(config.MANAGEMENT_PORT, config.HOST);
  const url = `http://127.0.0.1:${port}`;
  const managementUrl = `http://127.0.0.1:${managementPort}`;
  logger.info({ port, managementPort, host: config.HOST }, `${service} listening`);

  const started = await app
    .get(StartupTasks)
    .runAll({
      shouldStop: () => lifecycle.draining,
      onRetry: (task, attempt, error) =>
        logger.warn({ task, attempt, err: error }, `startup task ${task} failed; retrying`),
    })
    .catch((error: unknown) => {
      // A StartupRefused: the configuration contradicts what it runs against; retrying cannot fix it.
      logger.fatal({ err: error }, `${service} refused to start`);
      logger.flush();
      process.exit(1);
    });
  if (started) {
    lifecycle.markStarted();
    logger.info({}, `${service} started`);
  }
  void shutdown;
  return { app, logger, url, managementUrl };
}

/** A stray rejection is logged, not fatal; an uncaught exception leaves state unknown, so the process exits. */
function guardProcess(logger: Logger): void {
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    logger.flush();
    process.exit(1);
  });
}
