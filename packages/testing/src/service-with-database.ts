import { createTestDatabase, type TestDatabase } from './databases';
import { migrate } from './run-script';
import { ServiceProcess } from './service-process';

export interface RunningServiceWithDatabase {
  service: ServiceProcess;
  database: TestDatabase;
  /** Starts the service again on the same database (after a crash or a stop), with extra env if given. */
  restart(extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/**
 * One of our services as a real process on a throwaway database of its own,
 * migrated with the service's own migration command, and ready.
 */
export async function startWithDatabase(
  app: string,
  label: string,
  env: Record<string, string>,
): Promise<RunningServiceWithDatabase> {
  const database = await createTestDatabase(label);
  await migrate(app, database.url);
  const start = async (extra: Record<string, string> = {}) => {
    const service = await ServiceProcess.start(app, { DATABASE_URL: database.url, ...env, ...extra });
    // Generous: a cold start on a loaded two-core machine can take tens of seconds; this waits, it does not judge.
    await service.waitUntilReady(120_000);
    return service;
  };
  const running: RunningServiceWithDatabase = {
    service: await start(),
    database,
    restart: async (extra) => {
      await running.service.stop(5_000);
      running.service = await start(extra);
      return running.service;
    },
    stop: async () => {
      await running.service.stop(5_000);
      await database.drop();
    },
  };
  return running;
}
