import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A real TCP proxy between a service and one of its dependencies, for fault
 * injection: take the dependency "down" (listener closed, connections cut),
 * bring it back on the same port, add latency to every chunk, or hold every
 * chunk until released (the dependency accepts connections but never answers).
 */
export class TcpProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #holding = false;
  readonly #held: (() => void)[] = [];
  latencyMs = 0;
  /** HTTP request lines (`POST /path`) seen from clients, in order: every attempt, whether or not it got through. */
  readonly httpRequests: string[] = [];

  private constructor(
    readonly targetHost: string,
    readonly targetPort: number,
    public port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort, 0);
    await proxy.resume();
    return proxy;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** Starts accepting again (on the same port as before). */
  async resume(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => this.#pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address === 'object' && address) this.port = address.port;
    this.#server = server;
  }

  /** From now on, nothing passes in either direction until `release()`: the dependency hangs. */
  hold(): void {
    this.#holding = true;
  }

  /** Lets everything held through, in order, and stops holding. */
  release(): void {
    this.#holding = false;
    for (const pass of this.#held.splice(0)) pass();
  }

  /** The dependency is unreachable: new connections are refused and open ones are cut. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#held.splice(0);
    this.cutConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Cuts every open connection (both sides) but keeps accepting new ones. */
  cutConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  #pipe(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      const line = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP\/1\.[01]\r\n/.exec(
        chunk.toString('latin1', 0, 2048),
      );
      if (line) this.httpRequests.push(`${line[1]} ${line[2]}`);
    });
    this.#forward(client, upstream);
    this.#forward(upstream, client);
  }

  #forward(from: Socket, to: Socket): void {
    from.on('data', (chunk) => {
      if (this.#holding) {
        from.pause();
        this.#held.push(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        });
        return;
      }
      if (this.latencyMs <= 0) {
        to.write(chunk);
        return;
      }
      from.pause();
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
        from.resume();
      }, this.latencyMs);
    });
  }
}
