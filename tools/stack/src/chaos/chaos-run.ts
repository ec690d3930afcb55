import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import {
  type AuditSummary,
  auditRun,
  newTransfer,
  provisionTenants,
  Random,
  runOpenModel,
  type RunTenant,
  type SentTransfer,
  TransferBook,
  verdictOf,
} from '@meridian/loadtest';
import { freePort, TcpProxy } from '@meridian/testing';
import { dropDatabases, localStackSettings } from '../local-stack';
import { replicaName, RunningStack } from '../running-stack';
import type { Fault, FaultTarget } from './faults';
import type { ChaosProfile } from './profiles';

export interface ChaosOptions {
  profile: ChaosProfile;
  seed: number;
  /** PostgreSQL (a role that may create databases) and Redis the stack runs on. */
  postgresUrl: string;
  redisUrl: string;
  /** Where the stack's own log lines go. */
  logFile: string;
  /** Told of each step as it goes. */
  say: (message: string) => void;
}

/** One operation of the load: a transfer, sent until answered as a client retrying with the same key would. */
interface Operation {
  scheduledAt: number;
  finishedAt: number;
  firstAttemptFailed: boolean;
  failed: boolean;
  /** Why the first attempt failed, when it did: the status or the network error. */
  firstFailure?: string;
  /** Why the last attempt failed, when every one did. */
  finalFailure?: string;
}

/** One row of the chaos table. */
export interface FaultResult {
  fault: string;
  operations: number;
  firstAttemptFailures: number;
  failuresAfterRetries: number;
  p99Ms: number;
  /** From the fault's start to the end of the last operation whose first attempt failed (0: none did). */
  recoveryMs: number;
  /** How long doing and undoing the fault took. */
  faultMs: number;
  /** Exit codes of the processes the fault stopped with SIGTERM (each must be 0). */
  sigtermExits: number[];
  /** Why first attempts failed, and how often. */
  firstFailureReasons: Record<string, number>;
  /** Why operations still failed after their retries, and how often. */
  finalFailureReasons: Record<string, number>;
  audit: AuditSummary;
}

export interface ChaosResult {
  faults: FaultResult[];
  /** The audit after the last fault, with settlement's obligations and nets. */
  finalAudit: AuditSummary;
  passed: boolean;
}

/** A client's retries of one request with the same Idempotency-Key: for up to 15 s, backing off to 1 s apart. */
const RETRY_BUDGET_MS = 15_000;
const backoffMs = (attempt: number, random: Random) => random.int(0, Math.min(100 * 2 ** attempt, 1_000));
/** Load before each fault (so it hits a busy stack) and after it (so its effects are seen). */
const BEFORE_FAULT_MS = 1_000;
const AFTER_FAULT_MS = 3_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The chaos suite: the local stack with `replicas` processes of each app
 * behind readiness-aware balancers, PostgreSQL and Redis behind fault
 * proxies, and the load tool's open-model load of transfers (one tenant's, or
 * across tenants) going through the api. Each fault is done under that load;
 * then the load stops and the load tool's audit checks the money. A row per
 * fault: operations failed at the first attempt and after the client's
 * retries with the same key, p99 during the fault, recovery time, audit.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { profile, say } = options;
  const prefix = `meridian_chaos_${randomBytes(4).toString('hex')}`;
  const postgres = new URL(options.postgresUrl);
  const redis = new URL(options.redisUrl);
  const postgresProxy = await TcpProxy.start(postgres.hostname, Number(postgres.port || 5432));
  const redisProxy = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
  const env: Record<string, string> = {
    MERIDIAN_POSTGRES_URL: withPort(postgres, postgresProxy.port),
    MERIDIAN_DATABASE_PREFIX: prefix,
    MERIDIAN_REDIS_URL: withPort(redis, redisProxy.port),
    MERIDIAN_REDIS_KEY_PREFIX: prefix,
    MERIDIAN_REPLICAS: String(profile.replicas),
    LOG_LEVEL: 'info',
  };
  const settings = localStackSettings(env);
  for (const service of settings.registry.services) {
    settings.ports[service.name] = await freePort();
    settings.managementPorts[service.name] = await freePort();
  }
  const log = createWriteStream(options.logFile);
  let stack: RunningStack | undefined;
  try {
    say(`starting ${profile.replicas} replicas of each app (logs: ${options.logFile})`);
    stack = await RunningStack.start(settings, (replica, line) =>
      log.write(`${replicaName(replica)} ${line}\n`),
    );
    const target = `http://127.0.0.1:${settings.ports.api}`;
    const random = new Random(options.seed);
    const tenants = await provisionTenants({
      target,
      runId: `chaos${randomBytes(3).toString('hex')}`,
      tenants: 8,
      accountsPerTenant: 4,
      admin: { url: `http://127.0.0.1:${settings.managementPorts.api}`, token: settings.adminToken },
    });
    const book = new TransferBook();
    const faultTarget: FaultTarget = {
      stack,
      postgres: postgresProxy,
      redis: redisProxy,
      postgresAdminUrl: options.postgresUrl,
      databasePrefix: prefix,
      random,
    };
    const load = new ChaosLoad(options.seed, tenants, book);
    const faults: FaultResult[] = [];
    for (const fault of profile.faults) {
      say(`${fault.name}: under load at ${profile.rate}/s`);
      faults.push(await underLoad(fault, faultTarget, load, profile.rate));
      const row = faults.at(-1)!;
      say(
        `${fault.name}: ${row.failuresAfterRetries} failed after retries, ${row.firstAttemptFailures} at the first attempt; audit ${row.audit.passed ? 'passed' : 'FAILED'}`,
      );
    }
    const settlementToken = settings.tokens['api-settlement-token'];
    say('final audit, with settlement obligations and nets');
    const finalAudit = await auditRun(
      tenants,
      book,
      settlementToken
        ? { url: `http://127.0.0.1:${settings.ports.settlement}`, token: settlementToken }
        : undefined,
    );
    const passed =
      finalAudit.passed &&
      faults.every(
        (f) => f.failuresAfterRetries === 0 && f.audit.passed && f.sigtermExits.every((c) => c === 0),
      );
    return { faults, finalAudit, passed };
  } finally {
    const codes = await stack?.stop();
    if (codes && [...codes.values()].some((code) => code !== 0))
      say('a replica did not stop cleanly at the end');
    await postgresProxy.close();
    await redisProxy.close();
    await new Promise((resolve) => log.end(resolve));
    await dropDatabases({ ...settings, postgresAdminUrl: options.postgresUrl });
  }
}

function withPort(url: URL, port: number): string {
  const copy = new URL(url);
  copy.hostname = '127.0.0.1';
  copy.port = String(port);
  return copy.toString();
}

/** One fault under load, then the audit with the load stopped. */
async function underLoad(
  fault: Fault,
  target: FaultTarget,
  load: ChaosLoad,
  rate: number,
): Promise<FaultResult> {
  const stop = new AbortController();
  const operations: Operation[] = [];
  const running = runOpenModel({
    stages: [{ kind: 'hold', durationMs: 3_600_000, rate }],
    maxInFlight: 10_000,
    signal: stop.signal,
    fire: async (scheduledAt) => void operations.push(await load.transfer(scheduledAt)),
  });
  await sleep(BEFORE_FAULT_MS);
  // The open model's clock (monotonic), which scheduledAt and finishedAt use too.
  const startedAt = performance.now();
  const effect = await fault.run(target);
  const faultMs = performance.now() - startedAt;
  await sleep(AFTER_FAULT_MS);
  stop.abort();
  await running;
  const during = operations.filter((o) => o.scheduledAt >= startedAt);
  const latencies = during.map((o) => o.finishedAt - o.scheduledAt).sort((a, b) => a - b);
  const lastFirstFailure = Math.max(
    ...operations.filter((o) => o.firstAttemptFailed).map((o) => o.finishedAt),
  );
  return {
    fault: fault.name,
    operations: during.length,
    firstAttemptFailures: operations.filter((o) => o.firstAttemptFailed).length,
    failuresAfterRetries: operations.filter((o) => o.failed).length,
    p99Ms: latencies[Math.max(0, Math.ceil(latencies.length * 0.99) - 1)] ?? 0,
    recoveryMs: Number.isFinite(lastFirstFailure) ? Math.max(0, lastFirstFailure - startedAt) : 0,
    faultMs,
    sigtermExits: effect.sigtermExits,
    firstFailureReasons: countBy(operations.flatMap((o) => (o.firstFailure ? [o.firstFailure] : []))),
    finalFailureReasons: countBy(operations.flatMap((o) => (o.finalFailure ? [o.finalFailure] : []))),
    audit: await auditRun(load.tenants, load.book),
  };
}

/** The transfers of the run: seeded choices, each sent until answered with the same key, each booked for the audit. */
class ChaosLoad {
  #arrivals = 0;
  #nextId = 0;
  readonly #runId = randomBytes(3).toString('hex');

  constructor(
    private readonly seed: number,
    readonly tenants: RunTenant[],
    readonly book: TransferBook,
  ) {}

  async transfer(scheduledAt: number): Promise<Operation> {
    const random = Random.forArrival(this.seed, this.#arrivals++);
    const { sender, transfer } = newTransfer(
      {
        random,
        tenants: this.tenants,
        book: this.book,
        newTransferId: () => `chaos-${this.#runId}-${(this.#nextId++).toString(36)}`,
        newIdempotencyKey: randomUUID,
      },
      { crossTenant: random.chance(0.2) },
    );
    const outcome = await sendUntilAnswered(transfer, sender, random);
    this.book.record(transfer, outcome.verdict, outcome.detail);
    return {
      scheduledAt,
      finishedAt: performance.now(),
      firstAttemptFailed: outcome.firstVerdict !== 'acknowledged',
      failed: outcome.verdict !== 'acknowledged',
      ...(outcome.firstVerdict === 'acknowledged' ? {} : { firstFailure: outcome.firstDetail }),
      ...(outcome.verdict === 'acknowledged' ? {} : { finalFailure: outcome.detail }),
    };
  }
}

async function sendUntilAnswered(transfer: SentTransfer, sender: RunTenant, random: Random) {
  let first: { verdict: ReturnType<typeof verdictOf>; detail: string } | undefined;
  const giveUpAt = performance.now() + RETRY_BUDGET_MS;
  for (let attempt = 0; ; attempt++) {
    const answer = await transfer.request.send(sender.client, { signal: AbortSignal.timeout(10_000) });
    const verdict = verdictOf(answer);
    const detail =
      'thrown' in answer ? causeOf(answer.thrown) : `${answer.response.status} ${answer.error?.type ?? ''}`;
    first ??= { verdict, detail };
    if (verdict !== 'in-doubt' || performance.now() >= giveUpAt) {
      return { firstVerdict: first.verdict, firstDetail: first.detail, verdict, detail };
    }
    await sleep(backoffMs(attempt, random));
  }
}

/** The innermost message of a network error (fetch wraps the socket's in `cause`). */
function causeOf(error: unknown): string {
  let current = error as { message?: string; cause?: unknown; code?: string };
  while (current?.cause) current = current.cause;
  return current?.code ?? current?.message ?? String(error);
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
