import { z } from 'zod';
import { describeVariables, inboundTokens, internalServiceTarget, loadConfig } from '../src';

describe('internalServiceTarget', () => {
  const target = internalServiceTarget('fraud-check', {
    title: 'fraud checker',
    defaultUrl: 'http://127.0.0.1:3005',
  });
  const schema = z.object({ ...target.fields });

  it('names every setting of a callee after it, with "-" as "_"', () => {
    expect(describeVariables(schema).map((v) => v.name)).toEqual([
      'FRAUD_CHECK_URL',
      'FRAUD_CHECK_REPLICA_URLS',
      'FRAUD_CHECK_TOKEN',
      'FRAUD_CHECK_TIMEOUT_MS',
      'FRAUD_CHECK_DEADLINE_MS',
      'FRAUD_CHECK_RETRIES',
      'FRAUD_CHECK_BREAKER_FAILURE_PERCENT',
      'FRAUD_CHECK_BREAKER_WINDOW_MS',
      'FRAUD_CHECK_BREAKER_MIN_RPS',
      'FRAUD_CHECK_BREAKER_HALF_OPEN_MS',
      'FRAUD_CHECK_MAX_CONCURRENCY',
      'FRAUD_CHECK_MAX_QUEUE',
    ]);
  });

  it("reads the callee's settings from the caller's config, defaults included", () => {
    const config = loadConfig('caller', schema, {
      FRAUD_CHECK_TOKEN: 'f'.repeat(32),
      FRAUD_CHECK_RETRIES: '0',
    });
    expect(target.settingsFrom(config)).toEqual({
      name: 'fraud-check',
      title: 'fraud checker',
      url: 'http://127.0.0.1:3005',
      replicaUrls: [],
      token: 'f'.repeat(32),
      timeoutMs: 2_000,
      deadlineMs: 5_000,
      retries: 0,
      breakerFailurePercent: 75,
      breakerWindowMs: 5_000,
      breakerMinRps: 5,
      breakerHalfOpenMs: 1_000,
      maxConcurrency: 64,
      maxQueue: 64,
    });
  });

  it("reads the callee's replica URLs in order, and names the item that is not a URL", () => {
    const config = loadConfig('caller', schema, {
      FRAUD_CHECK_TOKEN: 'f'.repeat(32),
      FRAUD_CHECK_REPLICA_URLS: 'http://fraud-0.fraud:3005, http://fraud-1.fraud:3005,',
    });
    expect(target.settingsFrom(config).replicaUrls).toEqual([
      'http://fraud-0.fraud:3005',
      'http://fraud-1.fraud:3005',
    ]);
    expect(() =>
      loadConfig('caller', schema, {
        FRAUD_CHECK_TOKEN: 'f'.repeat(32),
        FRAUD_CHECK_REPLICA_URLS: 'http://fraud-0.fraud:3005,fraud-1:3005',
      }),
    ).toThrow(/FRAUD_CHECK_REPLICA_URLS.*item 2 must be a URL/s);
  });

  it('keeps two callees of one caller apart', () => {
    const other = internalServiceTarget('ledger', { title: 'ledger', defaultUrl: 'http://127.0.0.1:3001' });
    const config = loadConfig('caller', z.object({ ...target.fields, ...other.fields }), {
      FRAUD_CHECK_TOKEN: 'f'.repeat(32),
      LEDGER_TOKEN: 'l'.repeat(32),
      LEDGER_TIMEOUT_MS: '750',
    });
    expect(target.settingsFrom(config)).toMatchObject({ token: 'f'.repeat(32), timeoutMs: 2_000 });
    expect(other.settingsFrom(config)).toMatchObject({ token: 'l'.repeat(32), timeoutMs: 750 });
  });
});

describe('inboundTokens', () => {
  it('names the tokens a callee accepts after the caller, with "-" as "_"', () => {
    expect(Object.keys(inboundTokens('fraud-check', 'fraud checker'))).toEqual([
      'INBOUND_FRAUD_CHECK_TOKEN',
      'INBOUND_FRAUD_CHECK_TOKEN_NEXT',
    ]);
  });
});
