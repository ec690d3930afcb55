import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { replicaEnvironment, variableName } from '@meridian/service-registry';
import { forEachLine, freePort, TcpProxy, withServiceHeap } from '@meridian/testing';
import {
  databaseServicesOf,
  ensureDatabase,
  type LocalStackSettings,
  serviceEnvironments,
  startOrderOf,
} from './local-stack';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const entry = (service: string, file = 'main.js') => resolve(REPO_ROOT, 'apps', service, 'dist', file);

/** Where a service's output goes: one line at a time, tagged with the replica that wrote it. */
export type OutputSink = (replica: Replica, line: string) => void;

/** One process of a service, on ports of its own; restarted on the same ones. */
export interface Replica {
  service: string;
  /** 0-based; `<service>-<index>` in output. */
  index: number;
  port: number;
  managementPort: number;
  process?: ChildProcess;
}

/** How output and errors name a replica: `<service>-<index>`. */
export const replicaName = (replica: Replica): string => `${replica.service}-${replica.index}`;

/** The balancers that stand for a replicated service's Kubernetes Service: its own port and its management port. */
interface ServiceBalancers {
  public: TcpProxy;
  management: TcpProxy;
}

const exitOf = (child: ChildProcess) =>
  new Promise<number>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode ?? 128);
    else child.once('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });

/**
 * The local stack as running processes: each service of the registry as
 * `replicas[service]` processes, and, when there are several, a
 * readiness-aware round-robin balancer on the service's ports in front of
 * them (what a Kubernetes Service does), so callers and clients use the same
 * URLs either way. Replicas of a service share its database. A StatefulSet's
 * replicas also get their ordinal and count (REPLICA_ORDINAL, REPLICA_COUNT),
 * and its callers each replica's own URL (`<CALLEE>_REPLICA_URLS`), as the
 * chart gives them through the headless Service.
 */
export class RunningStack {
  readonly #replicas = new Map<string, Replica[]>();
  readonly #balancers = new Map<string, ServiceBalancers>();

  private constructor(
    readonly settings: LocalStackSettings,
    private readonly output: OutputSink,
  ) {}

  /** Creates and migrates the databases, then starts every replica, callees first, and waits until each is ready. */
  static async start(settings: LocalStackSettings, output: OutputSink): Promise<RunningStack> {
    const stack = new RunningStack(settings, output);
    try {
      await stack.#startAll();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  async #startAll(): Promise<void> {
    const { settings } = this;
    for (const service of databaseServicesOf(settings)) {
      await ensureDatabase(settings, service);
      const migration = this.#spawn(service, 'migrate.js', {
        service,
        index: 0,
        port: 0,
        managementPort: 0,
      });
      if ((await exitOf(migration)) !== 0) throw new Error(`migrating ${service} failed`);
    }
    for (const service of startOrderOf(settings)) {
      const count = settings.replicas[service] ?? 1;
      const replicas: Replica[] = [];
      for (let index = 0; index < count; index++) {
        replicas.push(
          count === 1
            ? {
                service,
                index,
                port: settings.ports[service]!,
                managementPort: settings.managementPorts[service]!,
              }
            : { service, index, port: await freePort(), managementPort: await freePort() },
        );
      }
      this.#replicas.set(service, replicas);
      await Promise.all(replicas.map((replica) => this.startReplica(replica)));
      if (count > 1) this.#balancers.set(service, await this.#balance(service, replicas));
    }
  }

  get services(): string[] {
    return [...this.#replicas.keys()];
  }

  replicas(service: string): readonly Replica[] {
    return this.#replicas.get(service) ?? [];
  }

  /** The balancer on a replicated service's own port (fault injection: latency, cuts). */
  balancer(service: string): TcpProxy | undefined {
    return this.#balancers.get(service)?.public;
  }

  /** Every replica of every service. */
  get all(): Replica[] {
    return [...this.#replicas.values()].flat();
  }

  /** Starts a replica (again) on its ports and resolves once it is ready; rejects if it exits or is not ready in time. */
  async startReplica(replica: Replica, timeoutMs = 60_000): Promise<void> {
    const env = {
      ...serviceEnvironments(this.settings)[replica.service]!,
      ...this.replicaVariables(replica),
      PORT: String(replica.port),
      MANAGEMENT_PORT: String(replica.managementPort),
    };
    replica.process = this.#spawn(replica.service, 'main.bundle.js', replica, env);
    await this.waitReady(replica, timeoutMs);
  }

  /**
   * What a replica learns of StatefulSets: its own ordinal and count when it
   * is one, and each replica's URL of every StatefulSet it calls.
   */
  replicaVariables(replica: Replica): Record<string, string> {
    const registry = this.settings.registry;
    const service = registry.services.find((s) => s.name === replica.service)!;
    const env: Record<string, string> = {};
    if (service.kind === 'StatefulSet')
      Object.assign(env, replicaEnvironment(replica.index, this.replicas(replica.service).length));
    for (const callee of service.calls) {
      const kind = registry.services.find((s) => s.name === callee)?.kind;
      if (kind !== 'StatefulSet') continue;
      env[`${variableName(callee)}_REPLICA_URLS`] = this.replicas(callee)
        .map((r) => `http://127.0.0.1:${r.port}`)
        .join(',');
    }
    return env;
  }

  /** Polls the replica's readiness until it answers 200. */
  async waitReady(replica: Replica, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const child = replica.process;
      if (!child || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${replicaName(replica)} exited before it was ready`);
      try {
        const response = await fetch(`http://127.0.0.1:${replica.managementPort}/health/ready`, {
          signal: AbortSignal.timeout(1_000),
        });
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${replicaName(replica)} was not ready within ${timeoutMs} ms`);
  }

  /** Sends a signal to a replica and resolves with its exit code (128 when killed by a signal). */
  async stopReplica(replica: Replica, signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    const child = replica.process;
    if (!child) return 0;
    child.kill(signal);
    return exitOf(child);
  }

  /** Stops every replica (callers first) and the balancers; resolves with each replica's exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Map<Replica, number>> {
    const codes = new Map<Replica, number>();
    for (const service of [...this.services].reverse()) {
      const replicas = this.replicas(service);
      const exits = await Promise.all(replicas.map((replica) => this.stopReplica(replica, signal)));
      replicas.forEach((replica, i) => codes.set(replica, exits[i]!));
    }
    for (const balancers of this.#balancers.values()) {
      await Promise.all([balancers.public.close(), balancers.management.close()]);
    }
    return codes;
  }

  /** Forwards a signal to every replica still running (a second Ctrl-C forces them). */
  signalAll(signal: NodeJS.Signals): void {
    for (const replica of this.all) {
      const child = replica.process;
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    }
  }

  /** Resolves once every replica has exited, with their exit codes. */
  async exits(): Promise<number[]> {
    return Promise.all(
      this.all.map((replica) => (replica.process ? exitOf(replica.process) : Promise.resolve(0))),
    );
  }

  async #balance(service: string, replicas: Replica[]): Promise<ServiceBalancers> {
    const upstreams = (which: 'port' | 'managementPort') =>
      replicas.map((replica) => ({
        host: '127.0.0.1',
        port: replica[which],
        readinessUrl: `http://127.0.0.1:${replica.managementPort}/health/ready`,
      }));
    const probeIntervalMs = this.settings.probeIntervalMs;
    return {
      public: await TcpProxy.balance(upstreams('port'), {
        port: this.settings.ports[service],
        probeIntervalMs,
      }),
      management: await TcpProxy.balance(upstreams('managementPort'), {
        port: this.settings.managementPorts[service],
        probeIntervalMs,
      }),
    };
  }

  #spawn(service: string, file: string, replica: Replica, env?: Record<string, string>): ChildProcess {
    // Own process group: a terminal's Ctrl-C reaches only the runner, which
    // forwards exactly one signal, so services see one SIGINT, not two.
    const child = spawn(process.execPath, [entry(service, file)], {
      env: withServiceHeap({
        PATH: process.env.PATH ?? '',
        ...(env ?? serviceEnvironments(this.settings)[service]!),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    for (const stream of [child.stdout, child.stderr])
      forEachLine(stream, (line) => this.output(replica, line));
    return child;
  }
}
