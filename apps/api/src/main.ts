// Entry point (bundled into dist/main.bundle.js, which runs). launch() validates the
// environment, starts telemetry, and only then loads the application module.
import { launch } from '@meridian/bootstrap/launch';
import { configSchema } from './config';
import { SERVICE_NAME, SERVICE_VERSION } from './service-info';

void launch({
  service: SERVICE_NAME,
  version: SERVICE_VERSION,
  schema: configSchema,
  loadModule: async () => (await import('./api.module.js')).ApiModule,
});
