// `npm run db:migrate` and the migration Job: applies pending migrations, or
// with `create <name>` writes a new one from schema.prisma.
import { runMigrationCli } from '@meridian/database';
import { PRISMA_DIR, SERVICE_NAME } from './service-info';

void runMigrationCli(SERVICE_NAME, { prismaDir: PRISMA_DIR });
