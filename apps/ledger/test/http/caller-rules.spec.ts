import { CALLERS } from '../../src/callers';
import { type CallerRules, perCaller, rulesOf } from '../../src/http/caller-rules';
import type { LedgerCaller } from '../../src/http/service-token.guard';

const accepts = (rules: CallerRules, id: string) => rules.ids.safeParse(id).success;

describe('what each caller of the ledger may name', () => {
  it('builds a request schema for every caller the registry declares (src/callers.ts), and for no other', () => {
    expect(Object.keys(perCaller((rules) => rules)).sort()).toEqual([...CALLERS].sort());
  });

  it("lets the settlement service name the platform's accounts (ids starting with _) and see them", () => {
    const rules = rulesOf('settlement');
    expect([accepts(rules, '_settlement-EUR'), rules.seesPlatformAccounts]).toEqual([true, true]);
  });

  it('holds the api, and any caller a fork adds to the registry, to tenant-scoped ids: no platform account, none listed', () => {
    for (const caller of ['api', 'notifications'] as LedgerCaller[]) {
      const rules = rulesOf(caller);
      expect([
        caller,
        accepts(rules, 'main-EUR'),
        accepts(rules, '_settlement-EUR'),
        rules.seesPlatformAccounts,
      ]).toEqual([caller, true, false, false]);
    }
  });
});
