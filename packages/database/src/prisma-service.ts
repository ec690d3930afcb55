import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks, StartupTasks } from '@meridian/health';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import type { Pool } from 'pg';
import { prismaDatabase } from './prisma-database';

interface DatabaseConfig {
  DATABASE_URL: string;
  DATABASE_POOL_MAX: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mixin form TypeScript requires
type PrismaClientClass = new (...args: any[]) => { $connect(): Promise<void>; $disconnect(): Promise<void> };

/**
 * The injectable PrismaService of a service, from its generated PrismaClient:
 * `export class PrismaService extends prismaServiceFor(PrismaClient, { ... }) {}`.
 * Every service gets the same wiring: its own pool, the migrations startup
 * check, a connected client before startup passes, and the close hook (see
 * prismaDatabase).
 */
export function prismaServiceFor<C extends PrismaClientClass>(
  Client: C,
  service: { name: string; prismaDir: string },
) {
  @Injectable()
  class PrismaService extends Client {
    /**
     * The pool under the client's driver adapter, for the few statements a
     * service runs on a connection of its own (the ledger's posting transaction).
     */
    readonly pool: Pool;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mixin form TypeScript requires
    constructor(...args: any[]) {
      const [config, logger, hooks, startup] = args as [DatabaseConfig, Logger, ShutdownHooks, StartupTasks];
      const database = prismaDatabase({
        databaseUrl: config.DATABASE_URL,
        poolMax: config.DATABASE_POOL_MAX,
        applicationName: service.name,
        prismaDir: service.prismaDir,
        hooks,
        startup,
        onIdleError: (error) =>
          logger.warn({ err: error }, 'idle PostgreSQL connection failed; it will be replaced'),
      });
      super({ adapter: database.adapter });
      this.pool = database.pool;
      database.closeWith(this);
      // Connecting loads the client's query engine, which takes about a
      // second on a busy machine: done at startup, the first readiness check
      // (often a service's first query) does not wait for it and time out.
      startup.add('prisma-client-connected', () => this.$connect());
    }
  }
  // Constructor injection, declared by hand: a mixin's parameters carry no decorator metadata.
  InjectConfig()(PrismaService, undefined, 0);
  InjectLogger()(PrismaService, undefined, 1);
  Reflect.defineMetadata('design:paramtypes', [Object, Object, ShutdownHooks, StartupTasks], PrismaService);
  return PrismaService;
}
