import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectConfig } from '@meridian/config/nest';
import { ShutdownHooks, StartupRefused, StartupTasks, startBackgroundLoop } from '@meridian/health';
import { InjectLogger, type Logger, ServiceMetrics } from '@meridian/telemetry';
import { Client, type ClientBase } from 'pg';
import { Counter, Gauge } from 'prom-client';
import type { LedgerConfig } from '../../config';
import { assignedPartitions } from '../../domain/partition-assignment';

/**
 * The first key of the ledger's advisory locks (two-int form): the second is
 * the ordinal of a live replica (presence) or a partition. Fixed numbers,
 * chosen once: nothing else in the ledger's database may lock these keys.
 */
export const PRESENCE_LOCK = 0x4c44_5250; // "LDRP"
export const PARTITION_LOCK = 0x4c44_5054; // "LDPT"

/**
 * A dead peer's session is dropped by PostgreSQL once TCP gives up on it:
 * keepalive when the connection is idle (10 s, then 4 probes 5 s apart),
 * tcp_user_timeout when data it sent goes unacknowledged (30 s); only then
 * are its locks free. A process that exits closes its socket, and they are
 * free at once. The session must be a direct TCP connection to PostgreSQL: a
 * pooler in transaction mode would hand the locks to whoever runs next.
 */
const SESSION_SETTINGS = [
  'SET tcp_keepalives_idle = 10',
  'SET tcp_keepalives_interval = 5',
  'SET tcp_keepalives_count = 4',
  'SET tcp_user_timeout = 30000',
  "SET statement_timeout = '30s'",
  "SET idle_in_transaction_session_timeout = '30s'",
];

export type HandoffEvent = 'acquired' | 'released' | 'lost';

/**
 * Which partitions this replica works, fenced by PostgreSQL (ADR 0020).
 *
 * A dedicated connection, the partition session, holds session-level
 * advisory locks: one on (PRESENCE_LOCK, ordinal) while the replica is alive,
 * and one on (PARTITION_LOCK, p) for each partition p it works. Every
 * `LEDGER_PARTITION_REBALANCE_MS` it reads which replicas are alive (their
 * presence locks, in pg_locks), works out which partitions it should own
 * (`assignedPartitions`), lets go of the others and tries to take the rest;
 * one still held by another replica is awaited until that one lets go.
 *
 * The relay's work runs through `withPartitions`, on this same session and
 * never while the set is changing: a replica whose session is gone (killed,
 * cut off, PostgreSQL failed over) has lost its locks and, with them, the
 * connection its work would have to commit on. That is the fence: two
 * replicas never work one partition at once, whatever they believe. (The
 * sweeper selects due transfers there too; it expires them through the
 * posting engine, which expires a transfer once whoever asks.)
 *
 * Each change is logged (`partitions acquired` / `released` / `lost`, with the
 * partitions and `atMs`, the time before letting go and after taking), and
 * counted in `ledger_partition_handoffs_total`.
 */
@Injectable()
export class PartitionOwnership implements OnApplicationBootstrap {
  private readonly logger: Logger;
  #session: Client | undefined;
  #present = false;
  #partitioned = false;
  readonly #held = new Set<number>();
  #exclusive: Promise<unknown> = Promise.resolve();
  #warnedDuplicate = false;
  private readonly owned: Gauge;
  private readonly awaited: Gauge;
  private readonly handoffs: Counter<'event'>;

  constructor(
    @InjectConfig() private readonly config: LedgerConfig,
    @InjectLogger() logger: Logger,
    private readonly hooks: ShutdownHooks,
    startup: StartupTasks,
    metrics: ServiceMetrics,
  ) {
    this.logger = logger.child({ component: 'partitions', ordinal: config.REPLICA_ORDINAL });
    new Gauge({
      name: 'ledger_partitions_configured',
      help: 'Partitions the tenants are divided into (LEDGER_PARTITIONS).',
      registers: [metrics.registry],
    }).set(config.LEDGER_PARTITIONS);
    this.owned = new Gauge({
      name: 'ledger_partitions_owned',
      help: 'Partitions this replica holds the lock of and works.',
      registers: [metrics.registry],
    });
    this.awaited = new Gauge({
      name: 'ledger_partitions_awaited',
      help: 'Partitions this replica should own whose lock another session still holds.',
      registers: [metrics.registry],
    });
    this.handoffs = new Counter({
      name: 'ledger_partition_handoffs_total',
      help: 'Partitions taken (acquired), let go (released), or lost with the partition session (lost).',
      labelNames: ['event'],
      registers: [metrics.registry],
    });
    startup.add('ledger-partitioning', () => this.checkPartitioning());
    if (config.REPLICA_ORDINAL >= config.REPLICA_COUNT)
      this.logger.warn(
        { replicaCount: config.REPLICA_COUNT },
        'REPLICA_ORDINAL is not below REPLICA_COUNT: this replica owns only partitions of dead replicas',
      );
  }

  onApplicationBootstrap(): void {
    startBackgroundLoop({
      name: 'partition-ownership',
      hooks: this.hooks,
      intervalMs: this.config.LEDGER_PARTITION_REBALANCE_MS,
      pass: async () => {
        await this.rebalance();
        return false;
      },
      onError: (error, failures) =>
        this.logger.warn({ err: error, failures }, 'partition rebalance failed; retrying'),
      // In the drain, as soon as rebalancing stops: a relay pass in flight
      // finishes first (the session runs one thing at a time), and later
      // passes find nothing held. The successor takes over without waiting
      // for this process's HTTP drain.
      onStopped: () => this.releaseAll(),
    });
  }

  /** The partitions this replica works now, in order. */
  get partitions(): number[] {
    return [...this.#held].sort((a, b) => a - b);
  }

  /**
   * Runs `work` on the partition session with the partitions held, while no
   * rebalance can change them; resolves undefined, without running it, when
   * none is held. A transaction `work` opens must end before it returns.
   */
  withPartitions<T>(
    work: (session: ClientBase, partitions: readonly number[]) => Promise<T>,
  ): Promise<T | undefined> {
    return this.#serially(async () => {
      const session = this.#session;
      if (!session || this.#held.size === 0) return undefined;
      // A failure of the work (Redis away, a timeout) is the work's: the
      // session, if it broke, says so itself ('error', 'end'), and the next
      // rebalance finds out otherwise.
      return work(session, this.partitions);
    });
  }

  /**
   * The database's partition count is set by the first ledger to start on it;
   * a ledger configured with another count would hash tenants elsewhere and
   * work their events beside the replicas that do not, so it never starts.
   */
  async checkPartitioning(): Promise<void> {
    const client = await this.#connect('ledger:partitioning');
    try {
      const { rows } = await client.query<{ partitions: number }>(
        `INSERT INTO partition_count (partitions) VALUES ($1)
           ON CONFLICT (singleton) DO UPDATE SET partitions = partition_count.partitions
         RETURNING partitions`,
        [this.config.LEDGER_PARTITIONS],
      );
      const partitions = rows[0]!.partitions;
      if (partitions !== this.config.LEDGER_PARTITIONS)
        throw new StartupRefused(
          `LEDGER_PARTITIONS is ${this.config.LEDGER_PARTITIONS} but this database is divided into ${partitions} partitions; ` +
            'set it to that, or drain the outbox and restart every replica and caller with the new count at once after changing partition_count',
        );
      this.#partitioned = true;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** One pass: reconnect if needed, then let go of what is no longer ours and take what is. */
  rebalance(): Promise<void> {
    return this.#serially(async () => {
      if (!this.#partitioned) return;
      const session = this.#session ?? (await this.#openSession());
      try {
        await this.#reconcile(session);
      } catch (error) {
        // Session-level advisory locks ignore rollback and count each take:
        // after a failed step the held set and PostgreSQL's may differ. Ending
        // the session frees them all; the next pass starts clean.
        this.#lose(session, error);
        throw error;
      }
    });
  }

  async #reconcile(session: Client): Promise<void> {
    const { config } = this;
    if (!this.#present) {
      this.#present = await tryLock(session, PRESENCE_LOCK, config.REPLICA_ORDINAL);
      if (this.#present) this.#warnedDuplicate = false;
      else {
        if (!this.#warnedDuplicate)
          this.logger.error(
            {},
            'another live session holds this ordinal: two replicas were given one REPLICA_ORDINAL; this one works no partition',
          );
        this.#warnedDuplicate = true;
        this.awaited.set(0);
        return;
      }
    }
    const { rows } = await session.query<{ ordinal: number }>(
      `SELECT objid::int AS ordinal FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND classid = $1::int::oid AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [PRESENCE_LOCK],
    );
    const wanted = assignedPartitions({
      ordinal: config.REPLICA_ORDINAL,
      replicaCount: config.REPLICA_COUNT,
      partitions: config.LEDGER_PARTITIONS,
      alive: rows.map((row) => row.ordinal),
    });
    const wantedSet = new Set(wanted);
    const leaving = this.partitions.filter((p) => !wantedSet.has(p));
    if (leaving.length > 0) {
      this.#record('released', leaving);
      for (const p of leaving) this.#held.delete(p);
      await session.query(`SELECT pg_advisory_unlock($1, p) FROM unnest($2::int[]) AS p`, [
        PARTITION_LOCK,
        leaving,
      ]);
    }
    const missing = wanted.filter((p) => !this.#held.has(p));
    if (missing.length > 0) {
      const taken = await session.query<{ p: number }>(
        `SELECT p FROM unnest($2::int[]) AS p WHERE pg_try_advisory_lock($1, p)`,
        [PARTITION_LOCK, missing],
      );
      const got = taken.rows.map((row) => row.p);
      for (const p of got) this.#held.add(p);
      if (got.length > 0) this.#record('acquired', got);
    }
    this.owned.set(this.#held.size);
    this.awaited.set(wanted.length - this.#held.size);
  }

  /** At shutdown: lets go of everything (ending the session releases every lock). */
  releaseAll(): Promise<void> {
    return this.#serially(async () => {
      const session = this.#session;
      if (!session) return;
      if (this.#held.size > 0) this.#record('released', this.partitions);
      this.#held.clear();
      this.#present = false;
      this.#session = undefined;
      this.owned.set(0);
      await session.end().catch(() => undefined);
    });
  }

  async #openSession(): Promise<Client> {
    const session = await this.#connect(`ledger:partitions:${this.config.REPLICA_ORDINAL}`);
    try {
      for (const statement of SESSION_SETTINGS) await session.query(statement);
    } catch (error) {
      await session.end().catch(() => undefined);
      throw error;
    }
    // A session that breaks while idle says so here; its locks are gone.
    session.on('error', (error) => this.#lose(session, error));
    session.on('end', () => this.#lose(session, new Error('the partition session ended')));
    this.#session = session;
    return session;
  }

  async #connect(applicationName: string): Promise<Client> {
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: applicationName,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** The session is gone, and every lock with it: stop working at once. */
  #lose(session: Client, cause: unknown): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#present = false;
    if (this.#held.size > 0) {
      this.#record('lost', this.partitions);
      this.logger.warn({ err: cause }, 'partition session lost; its partitions are no longer worked here');
    }
    this.#held.clear();
    this.owned.set(0);
    session.end().catch(() => undefined);
  }

  #record(event: HandoffEvent, partitions: number[]): void {
    this.handoffs.inc({ event }, partitions.length);
    this.logger.info({ partitions, atMs: Date.now() }, `partitions ${event}`);
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#exclusive.then(work, work);
    this.#exclusive = run.catch(() => undefined);
    return run;
  }
}

const tryLock = async (session: ClientBase, key: number, id: number): Promise<boolean> =>
  (await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [key, id]))
    .rows[0]!.locked;
