import { z } from 'zod';
import { databasePart, loggingPart } from '../parts';

/** The one-shot migration command needs only its database (and a log level). */
export const migrationConfigSchema = z.object({
  DATABASE_URL: databasePart.DATABASE_URL,
  ...loggingPart,
});

export type MigrationConfig = z.output<typeof migrationConfigSchema>;
