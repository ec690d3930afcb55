import { z } from 'zod';
import { databasePart, telemetryPart } from '../parts';

/** The one-shot migration command needs only its database (and a log level). */
export const migrationConfigSchema = z.object({
  DATABASE_URL: databasePart.DATABASE_URL,
  LOG_LEVEL: telemetryPart('migrate').LOG_LEVEL,
});

export type MigrationConfig = z.output<typeof migrationConfigSchema>;
