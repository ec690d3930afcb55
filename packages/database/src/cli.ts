import { loadConfigOrExit } from '@meridian/config';
import { createLogger } from '@meridian/telemetry';
import {
  applyMigrations,
  createMigration,
  lastEnginePanic,
  pendingSchemaChange,
  type PrismaProject,
} from './migrations';
import { migrationConfigSchema } from './migration-config';

const USAGE = 'usage: migrate [deploy | create <name> | check]';

/**
 * The entry point behind each service's `db:migrate` and
 * `db:migration:create` scripts, and the migration Job of the Helm chart:
 *
 *   deploy          apply every pending migration (the default); a no-op when up to date
 *   create <name>   write the pending schema.prisma change as a new migration
 *   check           exit 1 if schema.prisma has changes no migration holds yet
 *
 * Exit codes: 0 done, 1 failed, 64 bad usage, 78 bad configuration.
 */
export async function runMigrationCli(service: string, project: PrismaProject, argv = process.argv.slice(2)) {
  const config = loadConfigOrExit(`${service}-migrate`, migrationConfigSchema);
  const logger = createLogger({ service: `${service}-migrate`, version: '0', level: config.LOG_LEVEL });
  // Importing the engine's .wasm is flagged experimental by Node 24; that is
  // expected here, so it is not printed. Other warnings become log lines.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'ExperimentalWarning') logger.warn({ err: warning }, warning.message);
  });
  const [command = 'deploy', name] = argv;
  try {
    if (command === 'deploy' && name === undefined) {
      const applied = await applyMigrations(project, config.DATABASE_URL, (line) =>
        logger.debug({ engine: line }),
      );
      logger.info(
        { applied },
        applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date',
      );
    } else if (command === 'create' && name !== undefined) {
      const folder = await createMigration(project, config.DATABASE_URL, name);
      logger.info(
        { folder },
        folder ? `created ${folder}` : 'schema.prisma matches the migrations; nothing to create',
      );
    } else if (command === 'check' && name === undefined) {
      const pending = await pendingSchemaChange(project, config.DATABASE_URL);
      if (pending === '') logger.info({}, 'schema.prisma and the migrations agree');
      else {
        logger.error(
          { sql: pending },
          'schema.prisma has changes that no migration holds; run `migrate create <name>`',
        );
        process.exitCode = 1;
      }
    } else {
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = 64;
      return;
    }
  } catch (error) {
    logger.error({ err: error, panic: lastEnginePanic() }, 'migration failed');
    process.exitCode = 1;
  }
  // The WebAssembly engine leaves a timer behind that would hold a finished
  // one-shot command for seconds; the work is done and logged, so leave now.
  logger.flush();
  process.exit();
}
