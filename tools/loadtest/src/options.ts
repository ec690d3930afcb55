import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseThreshold } from './metrics/thresholds';
import type { ProgressMode } from './report/progress';
import { parseDuration, parseRate, parseStages } from './engine/stages';
import type { LoadModel, LoadTestOptions, SearchSettings } from './run';
import { DEFAULT_MIX, parseMix, SCENARIOS } from './scenarios/index';
import { parseGivenKeys } from './workload/tenants';

export const USAGE = `./meridian loadtest [options]   (node tools/loadtest/dist/cli.js)

Drives load through Meridian's public api, judges it by thresholds, and audits the money.

Target and credentials (flags win over the environment):
  --target URL            the api (LOADTEST_TARGET; default http://127.0.0.1:3000, the local stack)
  --admin-url URL         its /admin API, on the management port (LOADTEST_ADMIN_URL; default http://127.0.0.1:9000)
                          the admin token only from LOADTEST_ADMIN_TOKEN or the file LOADTEST_ADMIN_TOKEN_FILE
                          (the local stack's: MERIDIAN_ADMIN_TOKEN); it provisions throwaway tenants and keys
  --api-keys-file PATH    use existing keys instead, one "<tenant id> <api key>" per line (LOADTEST_API_KEYS_FILE;
                          or LOADTEST_API_KEYS, the same pairs separated by commas)

Load:
  --model open|closed     open: arrivals at the rate, answered or not (default); closed: --vus users in a loop
  --rate N --duration D   open model, constant rate (default 50/s for 30s)
  --stages S              open model, stages instead: ramp:30s:200,hold:2m:200,spike:10s:800,hold:30s:200
  --vus N                 closed model: virtual users (default 10; with --duration)
  --search                find the highest constant rate that meets the thresholds
    --search-from N --search-max N --search-step D --search-warmup D
                          (default 50/s, 5000/s, 10s a step, 5s of unjudged warm-up at the first rate)
  --max-in-flight N       open model: operations waiting at most; beyond it arrivals are dropped (default 2000)
  --mix SPEC              scenarios by weight (default ${DEFAULT_MIX})
                          scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}
  --tenants N             throwaway tenants (default 4); --accounts N per tenant (default 8, at least 4)
  --seed N                the random choices' seed (default: drawn and printed; replays a run's choices)

Judging and reports:
  --threshold EXPR        repeatable: p99<150ms, error_rate<0.1%, throughput>=100/s, transfer:p95<80ms
                          (LOADTEST_THRESHOLDS, comma-separated; default p99<150ms and error_rate<0.1%)
  --no-audit              skip the audit of the money after the load
  --settlement-url URL    also audit settlement: cut-offs (for every tenant!), then every cross-tenant
                          transfer must be exactly one obligation with matching nets (LOADTEST_SETTLEMENT_URL;
                          token from LOADTEST_SETTLEMENT_TOKEN or LOADTEST_SETTLEMENT_TOKEN_FILE; needs
                          throwaway tenants, not --api-keys-file)
  --no-cleanup            keep the keys the run created
  --report-dir DIR        summary.json and report.html (LOADTEST_REPORT_DIR; default ./loadtest-report)
  --progress MODE         auto, tty, plain or off (LOADTEST_PROGRESS; default auto)
  --otlp-endpoint URL     push the run's metrics to an OpenTelemetry Collector while it goes
                          (OTEL_EXPORTER_OTLP_ENDPOINT; e.g. http://localhost:4318)

Exit code: 0 thresholds held and the audit passed; 1 a threshold was crossed; 2 the audit found violations;
64 bad options; 69 the target could not be reached or provisioned; 70 the tool itself failed.
Ctrl-C (or SIGTERM) ends the load early; the audit, cleanup and reports still run. A second one stops at once.`;

export class UsageError extends Error {}

export interface CliOptions {
  run: LoadTestOptions;
  reportDir: string;
  progress: ProgressMode;
  help: boolean;
}

const secret = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const file = env[`${name}_FILE`];
  if (file) return readFileSync(file, 'utf8').trim();
  return env[name] || undefined;
};

const positiveInt = (text: string, flag: string, min = 1): number => {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new UsageError(`${flag} must be an integer >= ${min}`);
  return value;
};

/** Reads the command line and environment into a run; a mistake is a UsageError naming the option. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        target: { type: 'string' },
        'admin-url': { type: 'string' },
        'api-keys-file': { type: 'string' },
        model: { type: 'string', default: 'open' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        stages: { type: 'string' },
        vus: { type: 'string' },
        search: { type: 'boolean', default: false },
        'search-from': { type: 'string', default: '50' },
        'search-max': { type: 'string', default: '5000' },
        'search-step': { type: 'string', default: '10s' },
        'search-warmup': { type: 'string', default: '5s' },
        'max-in-flight': { type: 'string', default: '2000' },
        mix: { type: 'string', default: DEFAULT_MIX },
        tenants: { type: 'string', default: '4' },
        accounts: { type: 'string', default: '8' },
        seed: { type: 'string' },
        threshold: { type: 'string', multiple: true },
        'no-audit': { type: 'boolean', default: false },
        'settlement-url': { type: 'string' },
        'no-cleanup': { type: 'boolean', default: false },
        'report-dir': { type: 'string' },
        progress: { type: 'string' },
        'otlp-endpoint': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true, reportDir: '', progress: 'off', run: undefined as never };
  const attempt = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      throw error instanceof UsageError ? error : new UsageError((error as Error).message);
    }
  };
  const mix = attempt(() => parseMix(values.mix));
  const thresholdTexts =
    values.threshold ??
    (env.LOADTEST_THRESHOLDS ? env.LOADTEST_THRESHOLDS.split(',') : ['p99<150ms', 'error_rate<0.1%']);
  const names = mix.map((m) => m.scenario.name);
  const thresholds = attempt(() => thresholdTexts.map((text) => parseThreshold(text, names)));
  const maxInFlight = positiveInt(values['max-in-flight'], '--max-in-flight');
  const durationMs = attempt(() => parseDuration(values.duration ?? '30s'));

  let model: LoadModel;
  if (values.model === 'closed') {
    if (values.stages || values.rate) throw new UsageError('--stages and --rate are for the open model');
    model = { kind: 'closed', virtualUsers: positiveInt(values.vus ?? '10', '--vus'), durationMs };
  } else if (values.model === 'open') {
    if (values.vus) throw new UsageError('--vus is for the closed model (--model closed)');
    if (values.stages && (values.rate || values.duration))
      throw new UsageError('give either --stages or --rate with --duration');
    const stages = attempt(() =>
      values.stages
        ? parseStages(values.stages)
        : [{ kind: 'hold' as const, durationMs, rate: parseRate(values.rate ?? '50') }],
    );
    model = { kind: 'open', stages, maxInFlight };
  } else throw new UsageError(`--model must be open or closed, not "${values.model}"`);

  let search: SearchSettings | undefined;
  if (values.search) {
    if (values.model !== 'open' || values.rate || values.stages || values.duration || values.vus)
      throw new UsageError(
        '--search sets its own rates (--search-from, --search-max, --search-step): drop --model, --rate, --stages, --duration and --vus',
      );
    search = {
      startRate: attempt(() => parseRate(values['search-from'])),
      maxRate: attempt(() => parseRate(values['search-max'])),
      stepDurationMs: attempt(() => parseDuration(values['search-step'])),
      warmupMs: values['search-warmup'] === '0' ? 0 : attempt(() => parseDuration(values['search-warmup'])),
      precision: 0.05,
      maxInFlight,
    };
  }

  const keysFile = values['api-keys-file'] ?? env.LOADTEST_API_KEYS_FILE;
  const keysText = keysFile ? readFileSync(keysFile, 'utf8') : env.LOADTEST_API_KEYS?.replaceAll(',', '\n');
  const givenKeys = keysText ? attempt(() => parseGivenKeys(keysText)) : undefined;
  const adminToken = secret(env, 'LOADTEST_ADMIN_TOKEN') ?? env.MERIDIAN_ADMIN_TOKEN;
  if (!givenKeys && !adminToken)
    throw new UsageError(
      'no credentials: set LOADTEST_ADMIN_TOKEN (or LOADTEST_ADMIN_TOKEN_FILE) to provision throwaway tenants, or give existing keys (--api-keys-file or LOADTEST_API_KEYS)',
    );
  const tenantCount = givenKeys
    ? new Set(givenKeys.map((k) => k.tenantId)).size
    : positiveInt(values.tenants, '--tenants');
  if (tenantCount < 2 && mix.some((m) => m.scenario.name === 'cross-tenant'))
    throw new UsageError(
      'cross-tenant transfers need at least two tenants (--tenants, or keys of two tenants)',
    );

  const settlementUrl = values['settlement-url'] ?? env.LOADTEST_SETTLEMENT_URL;
  const settlementToken = secret(env, 'LOADTEST_SETTLEMENT_TOKEN');
  if (settlementUrl && !settlementToken)
    throw new UsageError(
      '--settlement-url needs LOADTEST_SETTLEMENT_TOKEN (or LOADTEST_SETTLEMENT_TOKEN_FILE)',
    );
  if (settlementUrl && givenKeys)
    throw new UsageError(
      "the settlement audit needs the run's own tenants: give the admin token, not --api-keys-file",
    );

  const otlpEndpoint = values['otlp-endpoint'] ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const progress = values.progress ?? env.LOADTEST_PROGRESS ?? 'auto';
  if (!['auto', 'tty', 'plain', 'off'].includes(progress))
    throw new UsageError(`--progress must be auto, tty, plain or off, not "${progress}"`);
  const url = (text: string, flag: string) => {
    if (!URL.canParse(text)) throw new UsageError(`${flag} must be a URL, not "${text}"`);
    return text.replace(/\/+$/, '');
  };
  return {
    help: values.help,
    reportDir: values['report-dir'] ?? env.LOADTEST_REPORT_DIR ?? 'loadtest-report',
    progress: progress as ProgressMode,
    run: {
      target: url(values.target ?? env.LOADTEST_TARGET ?? 'http://127.0.0.1:3000', '--target'),
      ...(givenKeys
        ? { givenKeys }
        : {
            admin: {
              url: url(
                values['admin-url'] ?? env.LOADTEST_ADMIN_URL ?? 'http://127.0.0.1:9000',
                '--admin-url',
              ),
              token: adminToken!,
            },
          }),
      tenants: positiveInt(values.tenants, '--tenants'),
      accountsPerTenant: positiveInt(values.accounts, '--accounts', 4),
      model,
      ...(search ? { search } : {}),
      mix,
      thresholds,
      seed:
        values.seed === undefined
          ? Math.floor(Math.random() * 2 ** 31)
          : positiveInt(values.seed, '--seed', 0),
      audit: !values['no-audit'],
      ...(otlpEndpoint ? { otlpEndpoint: url(otlpEndpoint, '--otlp-endpoint') } : {}),
      ...(settlementUrl
        ? { settlement: { url: url(settlementUrl, '--settlement-url'), token: settlementToken! } }
        : {}),
      cleanup: !values['no-cleanup'],
    },
  };
}
