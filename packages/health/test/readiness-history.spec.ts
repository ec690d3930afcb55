import { ReadinessHistory } from '../src';

describe('ReadinessHistory', () => {
  const check = { name: 'redis', check: async () => undefined, failureGraceMs: 3_000 };

  it('counts a check as down only once it has failed, check after check, for its grace period', () => {
    let now = 0;
    const history = new ReadinessHistory(() => now);
    expect(history.record(check, false)).toBe(false);
    now = 2_999;
    expect(history.record(check, false)).toBe(false);
    now = 3_000;
    expect(history.record(check, false)).toBe(true);
  });

  it('forgets a failure once the check passes: the next failure starts a new grace period', () => {
    let now = 0;
    const history = new ReadinessHistory(() => now);
    history.record(check, false);
    now = 2_000;
    expect(history.record(check, true)).toBe(false);
    now = 4_000;
    expect(history.record(check, false)).toBe(false);
    now = 6_999;
    expect(history.record(check, false)).toBe(false);
  });

  it('keeps each check apart, and takes 3 s when a check sets no grace period', () => {
    let now = 0;
    const history = new ReadinessHistory(() => now);
    const postgres = { name: 'postgres', check: async () => undefined };
    history.record(postgres, false);
    now = 1_000;
    history.record(check, false);
    now = 3_000;
    expect(history.record(postgres, false)).toBe(true);
    expect(history.record(check, false)).toBe(false);
  });
});
