import { Injectable } from '@nestjs/common';
import type { ApiConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { prismaDatabase } from '@meridian/database';
import { ShutdownHooks, StartupTasks } from '@meridian/health';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { PrismaClient } from '../../generated/prisma/client';
import { PRISMA_DIR, SERVICE_NAME } from '../../service-info';

/** The api's Prisma Client (tenants and API keys), tied into startup and shutdown. */
@Injectable()
export class PrismaService extends PrismaClient {
  constructor(
    @InjectConfig() config: ApiConfig,
    @InjectLogger() logger: Logger,
    hooks: ShutdownHooks,
    startup: StartupTasks,
  ) {
    const database = prismaDatabase({
      databaseUrl: config.DATABASE_URL,
      poolMax: config.DATABASE_POOL_MAX,
      applicationName: SERVICE_NAME,
      prismaDir: PRISMA_DIR,
      hooks,
      startup,
      onIdleError: (error) =>
        logger.warn({ err: error }, 'idle PostgreSQL connection failed; it will be replaced'),
    });
    super({ adapter: database.adapter });
    database.closeWith(this);
  }
}
