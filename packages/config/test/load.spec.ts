import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  databasePart,
  describeVariables,
  durationMs,
  httpServerPart,
  inboundTokens,
  integer,
  loadConfig,
  redisPart,
  shutdownPart,
  telemetryPart,
  withServiceRules,
  type Environment,
} from '../src';

/** A service schema as an app composes one (this one reads like the ledger's). */
const schema = withServiceRules(
  z.object({
    ...httpServerPart({ public: 3001, management: 9001 }),
    ...shutdownPart,
    ...telemetryPart('ledger', { traceContextTrusted: true }),
    ...databasePart,
    ...redisPart,
    ...inboundTokens('api', 'api'),
    ...inboundTokens('settlement', 'settlement service'),
    BATCH_MAX_ITEMS: integer({ min: 1, max: 10_000, default: 1_000 }).describe('Most items in one batch.'),
    BATCH_WINDOW_MS: durationMs(2, 1_000).describe('How long an item may wait to join a batch.'),
  }),
);

const validLedgerEnv: Environment = {
  DATABASE_URL: 'postgres://ledger:hunter2-very-secret@db.internal:5432/ledger',
  REDIS_URL: 'redis://cache.internal:6379',
  INBOUND_API_TOKEN: 'x'.repeat(40),
  INBOUND_SETTLEMENT_TOKEN: 'y'.repeat(40),
};

function problemsOf(env: Environment): readonly string[] {
  try {
    loadConfig('ledger', schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadConfig', () => {
  it('applies defaults and types every value', () => {
    const config = loadConfig('ledger', schema, validLedgerEnv);
    expect(config.PORT).toBe(3001);
    expect(config.MANAGEMENT_PORT).toBe(9001);
    expect(config.TRACE_CONTEXT_TRUSTED).toBe(true);
    expect(config.SHUTDOWN_DELAY_MS).toBe(5_000);
    expect(config.TEST_ROUTES_ENABLED).toBe(false);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.OTEL_SERVICE_NAME).toBe('ledger');
  });

  it('lists every bad or missing variable at once, one line each', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', SHUTDOWN_TIMEOUT_MS: '-5' });
    expect(problems).toEqual([
      'DATABASE_URL: is required',
      'INBOUND_API_TOKEN: is required',
      'INBOUND_SETTLEMENT_TOKEN: is required',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
      'PORT: must be an integer between 0 and 65535',
      'REDIS_URL: is required',
      'SHUTDOWN_TIMEOUT_MS: must be at least 0',
    ]);
  });

  it('never echoes a secret value, even a malformed one', () => {
    const problems = problemsOf({ ...validLedgerEnv, DATABASE_URL: 'mysql://root:s3cr3t-pa55@db/x' });
    expect(problems).toEqual(['DATABASE_URL: must be a URL starting with postgres:// or postgresql://']);
    expect(problems.join('\n')).not.toContain('s3cr3t');
  });

  it('rejects a shutdown delay that leaves no time to drain', () => {
    const problems = problemsOf({
      ...validLedgerEnv,
      SHUTDOWN_DELAY_MS: '30000',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    expect(problems).toEqual([
      'SHUTDOWN_DELAY_MS: must be smaller than SHUTDOWN_TIMEOUT_MS, or draining has no time left',
    ]);
  });

  it('refuses test routes in a production deployment, naming TEST_ROUTES_ENABLED', () => {
    const production = { ...validLedgerEnv, DEPLOYMENT_ENVIRONMENT: 'production' };
    expect(problemsOf({ ...production, TEST_ROUTES_ENABLED: 'true' })).toEqual([
      'TEST_ROUTES_ENABLED: must not be true when DEPLOYMENT_ENVIRONMENT is production',
    ]);
    expect(loadConfig('ledger', schema, production).TEST_ROUTES_ENABLED).toBe(false);
    const staging = { ...validLedgerEnv, DEPLOYMENT_ENVIRONMENT: 'staging', TEST_ROUTES_ENABLED: 'true' };
    expect(loadConfig('ledger', schema, staging).TEST_ROUTES_ENABLED).toBe(true);
  });

  it('refuses a management port equal to PORT, but lets both pick free ports (0)', () => {
    expect(problemsOf({ ...validLedgerEnv, PORT: '8080', MANAGEMENT_PORT: '8080' })).toEqual([
      'MANAGEMENT_PORT: must differ from PORT: probes, /metrics and /admin have a listener of their own',
    ]);
    const free = loadConfig('ledger', schema, {
      ...validLedgerEnv,
      PORT: '0',
      MANAGEMENT_PORT: '0',
    });
    expect([free.PORT, free.MANAGEMENT_PORT]).toEqual([0, 0]);
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig('ledger', schema, { ...validLedgerEnv, PORT: '' });
    expect(config.PORT).toBe(3001);
  });

  describe('<NAME>_FILE secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-config-'));

    it('reads a secret from a file, without the trailing newline', () => {
      const file = join(dir, 'token');
      writeFileSync(file, `${'t'.repeat(48)}\n`);
      const config = loadConfig('ledger', schema, {
        ...validLedgerEnv,
        INBOUND_API_TOKEN: undefined,
        INBOUND_API_TOKEN_FILE: file,
      });
      expect(config.INBOUND_API_TOKEN).toBe('t'.repeat(48));
    });

    it('reports an unreadable file by path, not by content', () => {
      const problems = problemsOf({
        ...validLedgerEnv,
        DATABASE_URL: undefined,
        DATABASE_URL_FILE: join(dir, 'nope'),
      });
      expect(problems).toEqual([`DATABASE_URL: cannot read DATABASE_URL_FILE ${join(dir, 'nope')} (ENOENT)`]);
    });

    it('refuses both the variable and its file', () => {
      const file = join(dir, 'url');
      writeFileSync(file, validLedgerEnv.DATABASE_URL!);
      const problems = problemsOf({ ...validLedgerEnv, DATABASE_URL_FILE: file });
      expect(problems).toEqual(['DATABASE_URL: set either DATABASE_URL or DATABASE_URL_FILE, not both']);
    });

    it('applies the field rules to a value read from a file', () => {
      const file = join(dir, 'short');
      writeFileSync(file, 'short');
      const problems = problemsOf({
        ...validLedgerEnv,
        INBOUND_API_TOKEN: undefined,
        INBOUND_API_TOKEN_FILE: file,
      });
      expect(problems).toEqual(['INBOUND_API_TOKEN: must be at least 32 characters']);
    });
  });
});

describe('describeVariables', () => {
  it('marks secrets and required variables and gives defaults', () => {
    const docs = describeVariables(schema);
    const byName = new Map(docs.map((doc) => [doc.name, doc]));
    expect(byName.get('DATABASE_URL')).toMatchObject({ required: true, secret: true });
    expect(byName.get('PORT')).toMatchObject({ required: false, secret: false, default: '3001' });
    expect(byName.get('OTEL_EXPORTER_OTLP_ENDPOINT')).toMatchObject({ required: false, default: undefined });
    for (const doc of docs) expect(doc.description).not.toBe('');
  });
});
