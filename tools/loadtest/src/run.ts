import { randomUUID } from 'node:crypto';
import { auditRun } from './audit/audit';
import type { SettlementAccess } from './audit/settlement';
import { TransferBook } from './audit/transfer-book';
import { runClosedModel } from './engine/closed-model';
import { type Clock, systemClock } from './engine/clock';
import { runOpenModel } from './engine/open-model';
import { searchHighestRate } from './engine/search';
import { rateAt, totalDurationMs } from './engine/stages';
import { Recorder } from './metrics/recorder';
import { type OutcomeSink, otlpMetricsPush } from './metrics/otlp-push';
import { evaluateThresholds, type Threshold } from './metrics/thresholds';
import type { ProgressReporter } from './report/progress';
import {
  type AuditSummary,
  type ModelSummary,
  type SearchStep,
  SUMMARY_SCHEMA_VERSION,
  type Summary,
} from './report/summary';
import type { ScenarioContext } from './scenarios/scenario';
import { scenarioAt, type WeightedScenario } from './scenarios/index';
import { Random } from './workload/random';
import {
  type AdminAccess,
  type GivenKey,
  provisionTenants,
  revokeRunKeys,
  type RunTenant,
} from './workload/tenants';

/** The load a run drives: the same shape its summary reports. */
export type LoadModel = ModelSummary;

export interface SearchSettings {
  startRate: number;
  maxRate: number;
  stepDurationMs: number;
  /** Load at the start rate before the first step, not judged (its transfers are audited like the rest). */
  warmupMs: number;
  /** Stop bisecting when passing and failing rates are this close (share of the passing one). */
  precision: number;
  maxInFlight: number;
}

export interface LoadTestOptions {
  target: string;
  admin?: AdminAccess;
  givenKeys?: GivenKey[];
  tenants: number;
  accountsPerTenant: number;
  model: LoadModel;
  /** Search mode: find the highest constant rate that meets the thresholds (the model is then ignored). */
  search?: SearchSettings;
  mix: WeightedScenario[];
  thresholds: Threshold[];
  seed: number;
  audit: boolean;
  /** The settlement internal API: the audit then also checks obligations and nets after cut-offs. */
  settlement?: SettlementAccess;
  /** Revoke the keys the run created (default true). */
  cleanup: boolean;
  progress?: ProgressReporter;
  /** Told of what goes wrong besides the run's own results (a scenario's unexpected error, a failed cleanup). */
  warn?: (message: string) => void;
  /** Stops the load early (Ctrl-C); the audit and cleanup still run on what was sent. */
  signal?: AbortSignal;
  /** An OpenTelemetry Collector's OTLP/HTTP endpoint to push the run's metrics to while it goes. */
  otlpEndpoint?: string;
  clock?: Clock;
}

/** Pause between search steps, so one overloaded step's backlog does not fail the next. */
const SEARCH_COOLDOWN_MS = 2_000;

/**
 * One load test: provision (or take) the tenants, drive the load, evaluate
 * the thresholds, audit the money, and summarize it all.
 */
export async function runLoadTest(options: LoadTestOptions): Promise<Summary> {
  const clock = options.clock ?? systemClock;
  const startedAt = new Date();
  const random = new Random(options.seed);
  const runId = `lt${Date.now().toString(36)}${random.int(0, 1295).toString(36).padStart(2, '0')}`;
  const tenants: RunTenant[] = [];
  const book = new TransferBook();
  let nextId = 0;
  const context: RunContext = {
    random,
    arrivals: 0,
    tenants,
    book,
    newTransferId: () => `${runId}-${(nextId++).toString(36)}`,
    newIdempotencyKey: randomUUID,
  };
  const sink = options.otlpEndpoint ? otlpMetricsPush(options.otlpEndpoint, runId) : undefined;
  try {
    await provisionTenants({ ...options, runId, into: tenants });
    const load = options.search
      ? await searchPhase(options, options.search, context, clock, sink)
      : await loadPhase(options, options.model, context, clock, sink);
    const thresholds = evaluateThresholds(options.thresholds, load.summary.totals, load.summary.scenarios);
    const audit: AuditSummary = options.audit ? await auditOrReport(tenants, book, options) : notAudited();
    return {
      schemaVersion: SUMMARY_SCHEMA_VERSION,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      target: options.target,
      seed: options.seed,
      model: load.model,
      mix: Object.fromEntries(options.mix.map(({ scenario, weight }) => [scenario.name, weight])),
      ...load.summary,
      dropped: load.dropped,
      thresholds,
      ...(load.search ? { search: load.search } : {}),
      audit,
      passed: thresholds.every((t) => t.passed) && audit.passed,
    };
  } finally {
    await sink?.shutdown().catch(() => undefined);
    if (options.cleanup && options.admin)
      await revokeRunKeys(tenants, options.admin).catch((error: Error) =>
        options.warn?.(`revoking the run's keys failed (${error.message}); revoke them with the admin API`),
      );
  }
}

/** The audit, or, when it could not finish (a listing refused, say), a violation saying so: the run's reports are kept. */
async function auditOrReport(
  tenants: RunTenant[],
  book: TransferBook,
  options: LoadTestOptions,
): Promise<AuditSummary> {
  try {
    return await auditRun(tenants, book, options.settlement);
  } catch (error) {
    return {
      ...notAudited(),
      ran: true,
      passed: false,
      violations: [
        { kind: 'audit-error', detail: `the audit could not finish: ${(error as Error).message}` },
      ],
    };
  }
}

/** The scenarios' context, and the number of arrivals so far (each gets its own random choices). */
type RunContext = ScenarioContext & { arrivals: number };

type LoadResult = {
  model: ModelSummary;
  summary: ReturnType<Recorder['summary']>;
  dropped: number;
  search?: Summary['search'];
};

/** Drives one model to its end, recording every operation. */
async function loadPhase(
  options: LoadTestOptions,
  model: LoadModel,
  context: RunContext,
  clock: Clock,
  sink?: OutcomeSink,
  phase?: string,
): Promise<LoadResult> {
  const startedAt = clock.now();
  const recorder = new Recorder(startedAt, model.kind === 'open' ? (ms) => rateAt(model.stages, ms) : null);
  const totalWeight = options.mix.reduce((sum, entry) => sum + entry.weight, 0);
  const pickScenario = (random: Random) =>
    scenarioAt(options.mix, (random.int(0, 999_999) / 1_000_000) * totalWeight);
  let inFlight = 0;
  const warned = new Set<string>();
  const fire = async (scheduledAt: number) => {
    const random = Random.forArrival(options.seed, context.arrivals++);
    const scenario = pickScenario(random);
    inFlight++;
    try {
      const report = await scenario.run({ ...context, random }).catch((error: Error) => {
        // A scenario's own bug, not the target's answer: say so once per scenario, count it as a failure.
        if (!warned.has(scenario.name)) {
          warned.add(scenario.name);
          options.warn?.(`scenario ${scenario.name} threw: ${error.stack ?? error.message}`);
        }
        return { status: 'network' as const, failure: 'client-error', requests: 1 };
      });
      const outcome = { scenario: scenario.name, scheduledAt, finishedAt: clock.now(), ...report };
      recorder.record(outcome);
      sink?.record(outcome);
    } finally {
      inFlight--;
    }
  };
  const totalMs = model.kind === 'open' ? totalDurationMs(model.stages) : model.durationMs;
  const ticker = setInterval(() => {
    const now = clock.now();
    sink?.setTargetRate(model.kind === 'open' ? rateAt(model.stages, now - startedAt) : null);
    options.progress?.update({
      elapsedMs: now - startedAt,
      totalMs,
      operations: recorder.operations,
      ...recorder.lastSecond(now),
      targetRate: model.kind === 'open' ? rateAt(model.stages, now - startedAt) : null,
      errors: recorder.failures,
      inFlight,
      ...(phase ? { phase } : {}),
    });
  }, 250);
  try {
    const run =
      model.kind === 'open'
        ? await runOpenModel({
            stages: model.stages,
            maxInFlight: model.maxInFlight,
            fire,
            clock,
            onDrop: (scheduledAt) =>
              recorder.recordDropped(
                pickScenario(Random.forArrival(options.seed, context.arrivals++)).name,
                scheduledAt,
              ),
            ...(options.signal ? { signal: options.signal } : {}),
          })
        : await runClosedModel({
            virtualUsers: model.virtualUsers,
            durationMs: model.durationMs,
            fire,
            clock,
          });
    return {
      model,
      summary: recorder.summary(Math.max(totalMs, clock.now() - run.startedAt)),
      dropped: run.dropped,
    };
  } finally {
    clearInterval(ticker);
  }
}

/** Search mode: constant-rate steps, each judged by the thresholds; reports the highest passing step. */
async function searchPhase(
  options: LoadTestOptions,
  search: SearchSettings,
  context: RunContext,
  clock: Clock,
  sink?: OutcomeSink,
): Promise<LoadResult> {
  const results = new Map<number, LoadResult>();
  // A first step on a cold target (connections, caches, JIT) would judge the warm-up, not the rate.
  if (search.warmupMs > 0)
    await loadPhase(
      options,
      {
        kind: 'open',
        stages: [{ kind: 'hold', durationMs: search.warmupMs, rate: search.startRate }],
        maxInFlight: search.maxInFlight,
      },
      context,
      clock,
      sink,
      `warm-up at ${search.startRate}/s`,
    );
  let index = 0;
  const outcome = await searchHighestRate({
    startRate: search.startRate,
    maxRate: search.maxRate,
    precision: search.precision,
    runStep: async (rate): Promise<SearchStep> => {
      if (options.signal?.aborted) return { rate, passed: false, p99: 0, errorRate: 0 };
      if (index++ > 0) await clock.sleepUntil(clock.now() + SEARCH_COOLDOWN_MS);
      const model: LoadModel = {
        kind: 'open',
        stages: [{ kind: 'hold', durationMs: search.stepDurationMs, rate }],
        maxInFlight: search.maxInFlight,
      };
      const result = await loadPhase(
        options,
        model,
        context,
        clock,
        sink,
        `search step ${index} at ${rate}/s`,
      );
      results.set(rate, result);
      const verdicts = evaluateThresholds(
        options.thresholds,
        result.summary.totals,
        result.summary.scenarios,
      );
      return {
        rate,
        passed: verdicts.every((v) => v.passed),
        p99: result.summary.totals.latency.p99,
        errorRate: result.summary.totals.errorRate,
      };
    },
  });
  const shown = results.get(outcome.highestPassingRate ?? -1) ?? [...results.values()].at(-1)!;
  return { ...shown, search: outcome };
}

function notAudited(): AuditSummary {
  return {
    ran: false,
    passed: true,
    checked: { acknowledged: 0, refused: 0, inDoubt: 0, accounts: 0, currencies: 0, obligations: null },
    violations: [],
  };
}

export type { RunTenant };
