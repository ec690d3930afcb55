import { ConfigError, loadConfig, type Environment } from '@meridian/config';
import { configSchema } from '../src/config';

const env: Environment = {
  DATABASE_URL: 'postgres://settlement@db.internal:5432/settlement',
  REDIS_URL: 'redis://cache.internal:6379',
  LEDGER_TOKEN: 'l'.repeat(40),
  INBOUND_API_TOKEN: 'a'.repeat(40),
  ADMIN_TOKEN: 'o'.repeat(40),
};

function problemsOf(environment: Environment): readonly string[] {
  try {
    loadConfig('settlement', configSchema, environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('settlement config', () => {
  it("defaults the retry loop's settings", () => {
    const config = loadConfig('settlement', configSchema, env);
    expect([
      config.SETTLEMENT_RETRY_INTERVAL_MS,
      config.SETTLEMENT_RETRY_BACKOFF_MS,
      config.SETTLEMENT_RETRY_BACKOFF_MAX_MS,
    ]).toEqual([5_000, 10_000, 300_000]);
  });

  it('rejects a retry backoff whose longest delay is shorter than its first, naming the longest', () => {
    expect(
      problemsOf({ ...env, SETTLEMENT_RETRY_BACKOFF_MS: '60000', SETTLEMENT_RETRY_BACKOFF_MAX_MS: '1000' }),
    ).toEqual(['SETTLEMENT_RETRY_BACKOFF_MAX_MS: must be at least SETTLEMENT_RETRY_BACKOFF_MS']);
  });

  it('requires the admin token', () => {
    expect(problemsOf({ ...env, ADMIN_TOKEN: undefined })).toEqual(['ADMIN_TOKEN: is required']);
  });
});
