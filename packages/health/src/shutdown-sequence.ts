import type { Lifecycle } from './lifecycle';
import type { ShutdownHooks } from './shutdown-hooks';

export interface ShutdownLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ShutdownSequenceOptions {
  lifecycle: Lifecycle;
  hooks: ShutdownHooks;
  logger: ShutdownLogger;
  delayMs: number;
  timeoutMs: number;
  /**
   * Ends keep-alive: every response from then on closes its connection, so
   * clients move to other replicas while this process still serves. Called
   * with the signal.
   */
  stopKeepAlive: () => void;
  /** Closes connections that carry no request; called once the delay is over. */
  closeIdleConnections: () => void;
  /**
   * Stops the HTTP listeners, public and management together: no new
   * connections, in-flight requests finish. Until then the management
   * listener answers probes (readiness 503) and scrapes.
   */
  closeServer: () => Promise<void>;
  /** Flushes telemetry; runs after every resource is closed. */
  flushTelemetry: () => Promise<void>;
  /** Injected for tests; defaults to process.exit. */
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The shutdown sequence every Meridian process follows on SIGTERM or SIGINT:
 *
 * 1. readiness turns 503 at once (the lifecycle goes to `draining`), and
 *    keep-alive ends: every response carries `Connection: close`, so each
 *    client's next request opens a new connection, to another replica;
 * 2. the process keeps serving for `delayMs`, while load balancers and
 *    Kubernetes endpoints stop sending traffic here;
 * 3. connections left idle through the delay are closed;
 * 4. drain hooks stop background work and wait for it;
 * 5. both HTTP listeners (public and management) stop accepting connections
 *    and wait for in-flight requests;
 * 6. resources close in reverse order of creation;
 * 7. telemetry is flushed, and the process exits 0.
 *
 * A second signal, or `timeoutMs` passing since the first, forces exit 1.
 */
export class ShutdownSequence {
  #started = false;
  #done: Promise<void> | undefined;
  readonly #exit: (code: number) => void;

  constructor(private readonly options: ShutdownSequenceOptions) {
    this.#exit = options.exit ?? ((code) => process.exit(code));
  }

  /** Installs the signal handlers. Call once the service is listening. */
  install(): this {
    for (const signal of this.options.signals ?? ['SIGTERM', 'SIGINT']) {
      process.on(signal, () => this.#onSignal(signal));
    }
    return this;
  }

  /** Resolves once the sequence has completed (for callers that start it directly). */
  get done(): Promise<void> | undefined {
    return this.#done;
  }

  #onSignal(signal: NodeJS.Signals): void {
    if (this.#started) {
      this.options.logger.error({ signal }, 'second signal during shutdown: forcing exit');
      this.#exit(1);
      return;
    }
    this.#done = this.run(signal);
  }

  /** Runs the sequence; exported for workers that decide to stop on their own. */
  async run(reason: string): Promise<void> {
    if (this.#started) return this.#done;
    this.#started = true;
    const { lifecycle, hooks, logger, delayMs, timeoutMs } = this.options;
    const startedAt = Date.now();
    const watchdog = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out: forcing exit');
      this.#exit(1);
    }, timeoutMs);
    watchdog.unref();

    lifecycle.markDraining();
    this.options.stopKeepAlive();
    logger.info(
      { reason, delayMs, timeoutMs },
      'shutdown: readiness is now 503 and responses close their connections; still serving during the delay',
    );
    await sleep(delayMs);

    logger.info({}, 'shutdown: delay over; closing idle connections');
    this.options.closeIdleConnections();

    const onError = (name: string, error: unknown) =>
      logger.error({ hook: name, err: error }, `shutdown: ${name} failed to stop cleanly`);

    logger.info({ hooks: hooks.names.drain }, 'shutdown: draining background work');
    await hooks.drain(onError);

    // Requests already on the wire are read first: a connection whose request is unread counts as
    // idle, and closing the listeners closes idle connections.
    await new Promise<void>((resolve) => setImmediate(resolve));
    logger.info({}, 'shutdown: closing the public and management listeners; in-flight requests finish');
    try {
      await this.options.closeServer();
    } catch (error) {
      onError('server', error);
    }

    logger.info({ hooks: hooks.names.close }, 'shutdown: closing resources');
    await hooks.close(onError);

    logger.info({ elapsedMs: Date.now() - startedAt }, 'shutdown: complete');
    try {
      await this.options.flushTelemetry();
    } catch {
      // The exporter is unreachable; nothing left to report it to.
    }
    clearTimeout(watchdog);
    this.#exit(0);
  }
}
