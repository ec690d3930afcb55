import { databasePart, loggingPart } from '@meridian/config';
import { z } from 'zod';

/**
 * The environment of the migration command (`dist/migrate.js`, the chart's
 * migration Job) and of the apps' database-only CLIs: the database and a log
 * level, nothing else. It lives here because every app's migrations run
 * through this package's `runMigrationCli`.
 */
export const migrationConfigSchema = z.object({
  DATABASE_URL: databasePart.DATABASE_URL,
  ...loggingPart,
});

export type MigrationConfig = z.output<typeof migrationConfigSchema>;
