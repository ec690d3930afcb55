import { enableCompileCache } from 'node:module';
import type { DynamicModule, Type } from '@nestjs/common';
import type { ConfigSchema } from '@meridian/config';
import type { HttpServiceConfig } from './start-http-service';

export interface LaunchSpec {
  service: string;
  version: string;
  /** The app's environment schema (its src/config.ts, built from @meridian/config's parts). */
  schema: ConfigSchema;
  /** Loads the root module; called only once telemetry runs. */
  loadModule: () => Promise<Type<unknown> | DynamicModule>;
}

/**
 * Every app's main.ts calls this. The order is the point:
 *
 * 1. cache compiled code on disk (faster cold starts after the first);
 * 2. validate the environment, which needs only zod, so a bad variable is
 *    reported in milliseconds, before anything heavy loads;
 * 3. start OpenTelemetry, before http, fastify, pg or ioredis are first
 *    loaded, so its instrumentation can patch them;
 * 4. load the application and start it.
 *
 * Everything past step 2 is imported dynamically for that reason.
 */
export async function launch(spec: LaunchSpec): Promise<void> {
  enableCompileCache();
  const { loadConfigOrExit } = await import('@meridian/config');
  const config = loadConfigOrExit(spec.service, spec.schema) as HttpServiceConfig;
  const { startTelemetry } = await import('@meridian/telemetry');
  await startTelemetry({
    serviceName: spec.service,
    serviceVersion: spec.version,
    traceContextTrusted: config.TRACE_CONTEXT_TRUSTED,
  });
  const { startHttpService } = await import('./start-http-service.js');
  try {
    await startHttpService({
      service: spec.service,
      version: spec.version,
      config,
      module: await spec.loadModule(),
    });
  } catch (error) {
    process.stderr.write(`${spec.service}: failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
}
