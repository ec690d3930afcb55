import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

/**
 * Route templates served only by the management listener (MANAGEMENT_PORT):
 * the probes, the Prometheus scrape and the operator's /admin API. Every other
 * route is served only by the public listener (PORT). The port the internet
 * reaches then cannot reach them, and network policies can tell scrapers,
 * kubelets and operators from clients by port.
 */
const MANAGEMENT_ROUTES = [/^\/health\/(live|ready|startup)$/, /^\/metrics$/, /^\/admin(\/|$)/];

export const isManagementRoute = (url: string): boolean => MANAGEMENT_ROUTES.some((route) => route.test(url));

type Listener = 'public' | 'management';
type ConstraintStrategy = NonNullable<
  NonNullable<FastifyServerOptions['routerOptions']>['constraints']
>[string];
type RouteHandler = NonNullable<ReturnType<ReturnType<ConstraintStrategy['storage']>['get']>>;

/** Set on requests that arrived on the management listener. */
const VIA_MANAGEMENT = Symbol('meridian.viaManagementListener');
type ListenerRequest = IncomingMessage & { [VIA_MANAGEMENT]?: true };

/**
 * A router constraint: a route matches only requests of its own listener, so
 * a management path on the public port (or the reverse) falls through to the
 * not-found handler and answers 404 like any unknown route.
 */
const listenerConstraint: ConstraintStrategy = {
  name: 'listener',
  mustMatchWhenDerived: true,
  storage() {
    const handlers = new Map<Listener, RouteHandler>();
    return {
      get: (listener: Listener) => handlers.get(listener) ?? null,
      set: (listener: Listener, handler: RouteHandler) => void handlers.set(listener, handler),
    };
  },
  validate(value: unknown) {
    if (value !== 'public' && value !== 'management') throw new TypeError(`no listener ${String(value)}`);
  },
  deriveConstraint: (request: ListenerRequest): Listener =>
    request[VIA_MANAGEMENT] ? 'management' : 'public',
};

export interface ListenerSettings {
  keepAliveTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * Two node http servers in front of one Fastify instance: Fastify's own (the
 * public listener, on PORT) and the management listener (MANAGEMENT_PORT).
 * Both get the same handler and settings, so a request is handled the same
 * way on either, and both drain the same way (`stopKeepAlive`, then close).
 */
export class HttpListeners {
  #management: Server | undefined;
  /** Responses not yet finished, on either listener. */
  readonly #inFlight = new Set<ServerResponse>();
  /** Kept-alive connections waiting for their next request, having answered one. */
  readonly #waiting = new Set<Socket>();
  #keepAlive = true;

  constructor(private readonly settings: ListenerSettings) {}

  /** Options for the Fastify instance: its servers, and the listener constraint. */
  fastifyOptions(): Pick<FastifyServerOptions, 'serverFactory' | 'routerOptions'> {
    return {
      // Called once per public binding (twice for HOST=localhost), hence the
      // management server is made once, from the same handler.
      serverFactory: (handler) => {
        this.#management ??= this.#server((request: ListenerRequest, response) => {
          request[VIA_MANAGEMENT] = true;
          handler(request, response);
        });
        return this.#server(handler);
      },
      routerOptions: { constraints: { listener: listenerConstraint } },
    };
  }

  /** Binds every route to its listener; call before the routes are registered. */
  bindRoutes(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (route) => {
      route.constraints = {
        ...route.constraints,
        listener: isManagementRoute(route.url) ? 'management' : 'public',
      };
    });
  }

  /** Starts the management listener; resolves with its port (the one chosen when given 0). */
  listenManagement(port: number, host: string): Promise<number> {
    const server = this.#managementServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host }, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /**
   * The end of keep-alive, from the moment the process is told to stop:
   * every response from now on, and each one in flight, carries
   * `Connection: close`, and its connection ends once it is sent. Clients
   * holding a connection to this process open their next one through the
   * load balancer, which by then sends it to another replica, while this one
   * still serves (SHUTDOWN_DELAY_MS). Without it, kept-alive connections keep
   * coming back here until the listeners close under them, or until the
   * shutdown timeout kills the process mid-request.
   */
  stopKeepAlive(): void {
    if (!this.#keepAlive) return;
    this.#keepAlive = false;
    for (const response of this.#inFlight) closeConnectionAfter(response);
  }

  /**
   * Closes the kept-alive connections waiting for a next request (after the
   * delay: they were not used during it). Not a connection that has not
   * carried a request yet: its first one may be on the wire, and it is
   * answered with `Connection: close` like any other.
   */
  closeIdleConnections(): void {
    for (const socket of this.#waiting) socket.destroy();
    this.#waiting.clear();
  }

  /** Stops the management listener as Fastify stops its own (`forceCloseConnections: 'idle'`). */
  closeManagement(): Promise<void> {
    const server = this.#managementServer();
    return new Promise((resolve, reject) => {
      server.close((error) =>
        error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING'
          ? reject(error)
          : resolve(),
      );
      server.closeIdleConnections();
    });
  }

  #managementServer(): Server {
    if (!this.#management) throw new Error('the management listener exists once Fastify is created');
    return this.#management;
  }

  /** What Fastify would set on a server it creates itself, and the end of keep-alive on shutdown. */
  #server(handler: Parameters<typeof createServer>[1]): Server {
    const server = createServer(handler);
    server.keepAliveTimeout = this.settings.keepAliveTimeoutMs;
    server.requestTimeout = this.settings.requestTimeoutMs;
    // Registered before the handler's own listener, so this runs before the response is written.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      const socket = request.socket;
      this.#waiting.delete(socket);
      if (!this.#keepAlive) return closeConnectionAfter(response);
      this.#inFlight.add(response);
      response.once('close', () => this.#inFlight.delete(response));
      response.once('finish', () => {
        if (this.#keepAlive && !socket.destroyed) this.#waiting.add(socket);
      });
    });
    server.on('connection', (socket: Socket) => socket.once('close', () => this.#waiting.delete(socket)));
    return server;
  }
}

/** The response closes its connection: with `Connection: close` when its headers are not out yet, after it otherwise. */
function closeConnectionAfter(response: ServerResponse): void {
  if (!response.headersSent) {
    // Node then writes `Connection: close` and ends the socket once the response is sent.
    response.shouldKeepAlive = false;
    return;
  }
  response.once('finish', () => response.socket?.destroySoon());
}
