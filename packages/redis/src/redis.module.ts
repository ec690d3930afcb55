import { Global, Inject, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG } from '@meridian/config/nest';
import { ShutdownHooks, StartupTasks } from '@meridian/health';
import { APP_LOGGER, type Logger } from '@meridian/telemetry';
import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient } from './redis-client';

/** Resolves when the client is connected; rejects after `ms` (the startup task is then retried). */
function readyWithin(client: Redis, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`redis not ready within ${ms} ms`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

/** Injection token of the service's command Redis client. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

export const InjectRedis = (): ParameterDecorator => Inject(REDIS_CLIENT);

interface RedisConfig {
  REDIS_URL: string;
  OTEL_SERVICE_NAME: string;
}

/**
 * One command client per process (fail-fast when Redis is down or does not
 * answer, so a request gets an error instead of waiting), closed after the
 * HTTP server drains.
 */
@Global()
@Module({})
export class RedisModule {
  static forRoot(): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS_CLIENT,
          inject: [APP_CONFIG, APP_LOGGER, ShutdownHooks, StartupTasks],
          useFactory: (
            config: RedisConfig,
            logger: Logger,
            hooks: ShutdownHooks,
            startup: StartupTasks,
          ): Redis => {
            const log = logger.child({ component: 'redis' });
            const client = createRedisClient({
              url: config.REDIS_URL,
              connectionName: `${config.OTEL_SERVICE_NAME}:command`,
              role: 'command',
              onError: (error) => log.warn({ err: error }, 'redis connection error'),
            });
            // Commands fail fast while disconnected, so the service counts as
            // started only once Redis has answered.
            startup.add('redis', async () => {
              if (client.status !== 'ready') await readyWithin(client, 5_000);
              await client.ping();
            });
            hooks.onClose('redis', () => closeRedisClient(client));
            return client;
          },
        },
      ],
      exports: [REDIS_CLIENT],
    };
  }
}
