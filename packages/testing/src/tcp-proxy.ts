import { createServer, type Server, type Socket, connect } from 'node:net';

/** Where a proxy forwards connections; with a readiness URL, only while it answers 2xx. */
export interface Upstream {
  host: string;
  port: number;
  /** Polled every `probeIntervalMs`; absent: always ready. */
  readinessUrl?: string;
}

export interface BalancerOptions {
  /** Port to listen on (0 or absent: a free one). */
  port?: number;
  /** How often each upstream's readiness is polled. */
  probeIntervalMs?: number;
}

/**
 * A real TCP proxy, for fault injection and as the local stack's Service:
 *
 * - in front of one upstream (`start`), it is a dependency a test can take
 *   "down" (listener closed, connections cut), bring back on the same port,
 *   slow down (latency on every chunk), or hang (hold every chunk until
 *   released);
 * - in front of several (`balance`), it does what a Kubernetes Service does:
 *   each new connection goes to the next ready upstream, round robin, and
 *   stays there; an upstream whose readiness probe fails gets no new
 *   connections, while those already open to it go on (as kube-proxy leaves
 *   them). An upstream that refuses a connection is skipped for the next one
 *   until its probe passes again: nothing had been sent on it.
 */
export class TcpProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #holding = false;
  readonly #held: (() => void)[] = [];
  readonly #ready: boolean[];
  #next = 0;
  #probing: NodeJS.Timeout | undefined;
  latencyMs = 0;
  /** HTTP request lines (`POST /path`) seen from clients, in order: every attempt, whether or not it got through. */
  readonly httpRequests: string[] = [];

  private constructor(
    readonly upstreams: readonly Upstream[],
    public port: number,
  ) {
    this.#ready = upstreams.map((upstream) => upstream.readinessUrl === undefined);
  }

  /** A proxy in front of one dependency. */
  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy([{ host: targetHost, port: targetPort }], 0);
    await proxy.resume();
    return proxy;
  }

  /** A readiness-aware round-robin balancer in front of replicas. */
  static async balance(upstreams: readonly Upstream[], options: BalancerOptions = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(upstreams, options.port ?? 0);
    await proxy.#probeAll();
    proxy.#probing = setInterval(() => void proxy.#probeAll(), options.probeIntervalMs ?? 200);
    proxy.#probing.unref();
    await proxy.resume();
    return proxy;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** Which upstreams get new connections now. */
  get readiness(): readonly boolean[] {
    return [...this.#ready];
  }

  /** Starts accepting again (on the same port as before). */
  async resume(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => this.#accept(client));
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

  /** Stops for good: the listener, every connection and the readiness probes. */
  async close(): Promise<void> {
    clearInterval(this.#probing);
    await this.stop();
  }

  /** Cuts every open connection (both sides) but keeps accepting new ones. */
  cutConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  async #probeAll(): Promise<void> {
    await Promise.all(
      this.upstreams.map(async (upstream, i) => {
        if (upstream.readinessUrl === undefined) return;
        try {
          const response = await fetch(upstream.readinessUrl, { signal: AbortSignal.timeout(1_000) });
          await response.arrayBuffer();
          this.#ready[i] = response.ok;
        } catch {
          this.#ready[i] = false;
        }
      }),
    );
  }

  /** The next ready upstream after the last one chosen, not among `tried`; undefined when none is left. */
  #pick(tried: ReadonlySet<number>): number | undefined {
    for (let step = 0; step < this.upstreams.length; step++) {
      const i = (this.#next + step) % this.upstreams.length;
      if (this.#ready[i] && !tried.has(i)) {
        this.#next = i + 1;
        return i;
      }
    }
    return undefined;
  }

  #accept(client: Socket, tried = new Set<number>()): void {
    const chosen = this.#pick(tried);
    if (chosen === undefined) {
      client.destroy();
      return;
    }
    const target = this.upstreams[chosen]!;
    const upstream = connect(target.port, target.host);
    let connected = false;
    client.pause();
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      if (!connected && error.code === 'ECONNREFUSED' && this.upstreams.length > 1) {
        // Nothing was sent: the next replica takes the connection, and this one waits for its probe.
        this.#ready[chosen] = false;
        tried.add(chosen);
        this.#accept(client, tried);
      } else client.destroy();
    });
    upstream.once('connect', () => {
      connected = true;
      if (client.destroyed) return upstream.destroy();
      this.#pipe(client, upstream);
      client.resume();
    });
    client.once('error', () => upstream.destroy());
  }

  #pipe(client: Socket, upstream: Socket): void {
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      // A reset (or a cut) on one side resets the other: nothing more can pass.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => this.#sockets.delete(socket));
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

  /**
   * One direction, in order, each chunk `latencyMs` after it arrived (as a
   * slower network: chunks in flight overlap), or once released while held;
   * a side that ends (FIN) ends the other once all it sent has been passed
   * on, so a response followed by `Connection: close` reaches the client whole.
   */
  #forward(from: Socket, to: Socket): void {
    let delayed = 0;
    let ended = false;
    let lastDue = 0;
    const pass = (chunk: Buffer) => {
      if (!to.destroyed) to.write(chunk);
      if (--delayed === 0 && ended) to.end();
    };
    from.on('data', (chunk: Buffer) => {
      if (this.#holding) {
        delayed++;
        from.pause();
        this.#held.push(() => {
          pass(chunk);
          from.resume();
        });
      } else if (this.latencyMs > 0 || delayed > 0) {
        // Never before the chunk ahead of it: order is kept when the latency drops.
        delayed++;
        lastDue = Math.max(performance.now() + this.latencyMs, lastDue);
        setTimeout(() => pass(chunk), lastDue - performance.now());
      } else to.write(chunk);
    });
    from.on('end', () => {
      ended = true;
      if (delayed === 0) to.end();
    });
    from.on('close', () => {
      // Closed without a FIN of its own (destroyed): the other side goes too, once what it owed is out.
      if (!ended) to.destroySoon();
    });
  }
}
