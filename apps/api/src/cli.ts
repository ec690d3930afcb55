// `node apps/api/dist/cli.js` (or `npm run keys -w @meridian/api --`): manage
// tenants and API keys from a shell, e.g. in a Job or on a laptop:
//
//   tenant create <id> <name>
//   key create <tenant-id> <name> <scope,scope>   prints the key once
//   key list <tenant-id>
//   key revoke <key-id>
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { loadConfigOrExit } from '@meridian/config';
import { migrationConfigSchema } from '@meridian/database/migration-config';
import { ConfigModule } from '@meridian/config/nest';
import { LifecycleModule, ShutdownHooks } from '@meridian/health';
import { createLogger, PinoNestLogger, ServiceMetrics, TelemetryModule } from '@meridian/telemetry';
import { parseOrThrow } from '@meridian/bootstrap';
import { identifier } from '@meridian/ledger-contract';
import type { ApiConfig } from './config';
import { SCOPES } from './domain/api-key';
import { newKey, newTenant } from './http/tenant-requests';
import { TenantsService } from './application/tenants.service';
import { PersistenceModule } from './infrastructure/persistence/persistence.module';

const USAGE = `usage:
  tenant create <id> <name>
  key create <tenant-id> <name> <scopes, comma-separated: ${SCOPES.join(',')}>
  key list <tenant-id>
  key revoke <key-id>`;

async function main(argv: string[]): Promise<number> {
  // The command needs the database only (the same variables as the migration command).
  const { DATABASE_URL, LOG_LEVEL } = loadConfigOrExit('api-cli', migrationConfigSchema);
  const config: Pick<ApiConfig, 'DATABASE_URL' | 'DATABASE_POOL_MAX'> = {
    DATABASE_URL,
    DATABASE_POOL_MAX: 2,
  };
  const logger = createLogger({ service: 'api-cli', version: '0', level: LOG_LEVEL });

  @Module({
    imports: [
      ConfigModule.forRoot(config),
      LifecycleModule,
      TelemetryModule.forRoot({ logger, metrics: new ServiceMetrics({ service: 'api-cli' }) }),
      PersistenceModule,
    ],
    providers: [TenantsService],
  })
  class CliModule {}

  const app = await NestFactory.createApplicationContext(CliModule, { logger: new PinoNestLogger(logger) });
  const tenants = app.get(TenantsService);
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  try {
    const [noun, verb, ...args] = argv;
    if (noun === 'tenant' && verb === 'create' && args.length === 2) {
      const tenant = parseOrThrow(newTenant, { id: args[0], name: args[1] });
      print(await tenants.createTenant(tenant.id, tenant.name));
    } else if (noun === 'key' && verb === 'create' && args.length === 3) {
      const tenantId = parseOrThrow(identifier, args[0], 'tenantId');
      const key = parseOrThrow(newKey, { name: args[1], scopes: args[2]!.split(',').filter(Boolean) });
      print(await tenants.createKey(tenantId, key.name, key.scopes));
    } else if (noun === 'key' && verb === 'list' && args.length === 1)
      print(await tenants.listKeys(parseOrThrow(identifier, args[0], 'tenantId')));
    else if (noun === 'key' && verb === 'revoke' && args.length === 1)
      print(await tenants.revokeKey(args[0]!));
    else {
      process.stderr.write(`${USAGE}\n`);
      return 64;
    }
    return 0;
  } catch (error) {
    const problem = (error as { problem?: { detail?: string } }).problem;
    process.stderr.write(`${problem?.detail ?? (error as Error).message}\n`);
    return 1;
  } finally {
    await app.get(ShutdownHooks).close(() => undefined);
    await app.close();
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
