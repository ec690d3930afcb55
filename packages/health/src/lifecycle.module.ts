import { Global, Module } from '@nestjs/common';
import { Lifecycle } from './lifecycle';
import { ShutdownHooks } from './shutdown-hooks';
import { StartupTasks } from './startup-tasks';

/**
 * The process lifecycle, available to every provider: `StartupTasks` to add
 * boot work, `ShutdownHooks` to take part in graceful shutdown, `Lifecycle`
 * to read the phase. Registered once, by the service bootstrap.
 */
@Global()
@Module({
  providers: [Lifecycle, ShutdownHooks, StartupTasks],
  exports: [Lifecycle, ShutdownHooks, StartupTasks],
})
export class LifecycleModule {}
