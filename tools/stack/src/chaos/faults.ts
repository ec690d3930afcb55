import { Client } from 'pg';
import type { TcpProxy } from '@meridian/testing';
import type { Random } from '@meridian/loadtest';
import type { RunningStack } from '../running-stack';

/** What a fault acts on: the running stack and the fault proxies in front of its datastores. */
export interface FaultTarget {
  stack: RunningStack;
  postgres: TcpProxy;
  redis: TcpProxy;
  /** PostgreSQL itself, not through the proxy: for pg_terminate_backend. */
  postgresAdminUrl: string;
  databasePrefix: string;
  random: Random;
}

/** What a fault did, for the table: exit codes of the processes it stopped on purpose with SIGTERM. */
export interface FaultEffect {
  sigtermExits: number[];
}

export interface Fault {
  name: string;
  /** Does the fault and undoes it (restarts what it stopped), resolving once the stack is whole again. */
  run(target: FaultTarget): Promise<FaultEffect>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Each replica in turn: SIGTERM, wait for its exit, start it again, wait until ready; then the next (a Deployment's rollout). */
export const rollingRestart = (service: string): Fault => ({
  name: `rolling restart of ${service}`,
  async run({ stack }) {
    const sigtermExits: number[] = [];
    for (const replica of stack.replicas(service)) {
      sigtermExits.push(await stack.stopReplica(replica, 'SIGTERM'));
      await stack.startReplica(replica);
    }
    return { sigtermExits };
  },
});

/** SIGKILL of one replica, chosen by the seeded random, then started again (a node lost, an OOM kill). */
export const killReplica = (service: string): Fault => ({
  name: `SIGKILL of a ${service} replica`,
  async run({ stack, random }) {
    const replica = random.pick(stack.replicas(service));
    await stack.stopReplica(replica, 'SIGKILL');
    await stack.startReplica(replica);
    return { sigtermExits: [] };
  },
});

/**
 * Redis unreachable for `downMs` (every connection cut, new ones refused),
 * then back with its data: what clients see while a Redis with persistence
 * (or a replica being promoted) restarts.
 */
export const redisRestart = (downMs = 2_000): Fault => ({
  name: `Redis restart (${downMs / 1000} s down)`,
  async run({ redis }) {
    await redis.stop();
    await sleep(downMs);
    await redis.resume();
    return { sigtermExits: [] };
  },
});

/** pg_terminate_backend on every connection to the stack's databases (a failover, an operator's kill). */
export const terminatePostgresBackends = (): Fault => ({
  name: 'PostgreSQL backends terminated',
  async run({ postgresAdminUrl, databasePrefix }) {
    const client = new Client({ connectionString: postgresAdminUrl });
    await client.connect();
    try {
      await client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname LIKE $1 AND pid <> pg_backend_pid()`,
        [`${databasePrefix.replaceAll('_', '\\_')}\\_%`],
      );
    } finally {
      await client.end();
    }
    return { sigtermExits: [] };
  },
});

/** Every chunk to and from PostgreSQL delayed by `latencyMs`, for `durationMs`. */
export const postgresLatency = (latencyMs = 50, durationMs = 5_000): Fault => ({
  name: `PostgreSQL +${latencyMs} ms for ${durationMs / 1000} s`,
  async run({ postgres }) {
    postgres.latencyMs = latencyMs;
    await sleep(durationMs);
    postgres.latencyMs = 0;
    return { sigtermExits: [] };
  },
});

/** Every open connection to PostgreSQL cut at once (the apps' pools reconnect). */
export const postgresConnectionCut = (): Fault => ({
  name: 'PostgreSQL connections cut',
  run({ postgres }) {
    postgres.cutConnections();
    return Promise.resolve({ sigtermExits: [] });
  },
});

/** Every open connection to a service's replicas cut at once, through its balancer. */
export const serviceConnectionCut = (service: string): Fault => ({
  name: `connections to ${service} cut`,
  run({ stack }) {
    stack.balancer(service)?.cutConnections();
    return Promise.resolve({ sigtermExits: [] });
  },
});

/** Every chunk to and from a service's replicas delayed by `latencyMs`, for `durationMs`. */
export const serviceLatency = (service: string, latencyMs = 100, durationMs = 5_000): Fault => ({
  name: `${service} +${latencyMs} ms for ${durationMs / 1000} s`,
  async run({ stack }) {
    const balancer = stack.balancer(service);
    if (balancer) balancer.latencyMs = latencyMs;
    await sleep(durationMs);
    if (balancer) balancer.latencyMs = 0;
    return { sigtermExits: [] };
  },
});
