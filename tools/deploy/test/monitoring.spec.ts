import { basename, join } from 'node:path';
import {
  allRules,
  exportedSeries,
  metricNames,
  promtool,
  readRuleTests,
  ruleFileNames,
  RULE_TESTS_DIR,
  RULES_DIR,
  ruleTestFileNames,
} from '../src/monitoring';

/** promtool's verdict on a rule file, as one value a failing expectation prints whole. */
const checkRules = (file: string) => {
  const { status, output } = promtool(['check', 'rules', file]);
  return { status, output: status === 0 ? 'SUCCESS' : output };
};

describe('the alerting and recording rules (deploy/helm/meridian/rules)', () => {
  const alertingRules = allRules().filter((rule) => rule.alert);

  it.each(ruleFileNames())('%s passes promtool check rules', (file) => {
    expect(checkRules(join(RULES_DIR, file))).toEqual({ status: 0, output: 'SUCCESS' });
  });

  it('has a unit test file for every rule file', () => {
    const tested = ruleTestFileNames().flatMap((file) =>
      readRuleTests(file).rule_files.map((f) => basename(f)),
    );
    expect([...new Set(tested)].sort()).toEqual(ruleFileNames());
  });

  it.each(ruleTestFileNames())(
    'tests/%s passes promtool test rules',
    (file) => {
      const { status, output } = promtool(['test', 'rules', join(RULE_TESTS_DIR, file)]);
      expect({ status, output: status === 0 ? 'SUCCESS' : output }).toEqual({ status: 0, output: 'SUCCESS' });
    },
    180_000,
  );

  it('tests every alerting rule firing, and every alert not firing', () => {
    const cases = ruleTestFileNames().flatMap((file) =>
      readRuleTests(file).tests.flatMap((test) => test.alert_rule_test ?? []),
    );
    const expected: Record<string, string>[] = cases.flatMap((test) =>
      test.exp_alerts.map((alert) => ({ alertname: test.alertname, ...alert.exp_labels })),
    );
    // Each rule (ErrorBudgetFastBurn has one per pair of windows) is expected to fire somewhere, with its labels.
    const neverFiring = alertingRules.filter(
      (rule) =>
        !expected.some((alert) =>
          Object.entries({ alertname: rule.alert, ...rule.labels }).every(([k, v]) => alert[k] === v),
        ),
    );
    expect(neverFiring.map((rule) => `${rule.alert} ${JSON.stringify(rule.labels)}`)).toEqual([]);
    const silent = new Set(
      cases.filter((test) => test.exp_alerts.length === 0).map((test) => test.alertname),
    );
    expect(alertingRules.map((rule) => rule.alert).filter((alert) => !silent.has(alert!))).toEqual([]);
  });

  it('records every SLI ratio over each window of the burn-rate alerts, for each SLO', () => {
    const recorded = allRules().filter((rule) => rule.record);
    const slos = [...new Set(recorded.map((rule) => rule.labels?.slo).filter(Boolean))].sort();
    expect(slos).toEqual(['api-availability', 'api-latency']);
    for (const slo of slos)
      expect(
        recorded
          .filter((rule) => rule.labels?.slo === slo && rule.record!.startsWith('slo:sli_error:ratio_rate'))
          .map((rule) => rule.record!.replace('slo:sli_error:ratio_rate', '')),
      ).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
  });

  it('reads only series the services export (prom-client metrics) or the rules record', () => {
    const { names, prefixes } = exportedSeries();
    const recorded = new Set(allRules().flatMap((rule) => (rule.record ? [rule.record] : [])));
    const unknown = allRules().flatMap((rule) =>
      metricNames(rule.expr).filter(
        (name) => !names.has(name) && !recorded.has(name) && !prefixes.some((p) => name.startsWith(p)),
      ),
    );
    expect(unknown).toEqual([]);
    // The extraction itself finds what an expression reads, and nothing else.
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (namespace, le) (rate(settlement_event_to_obligation_seconds_bucket{le="+Inf"}[10m]))) > 30 unless on (namespace) slo:x:ratio_rate5m offset 1h',
      ),
    ).toEqual(['settlement_event_to_obligation_seconds_bucket', 'slo:x:ratio_rate5m']);
    expect(names).toContain('http_server_request_duration_seconds_bucket');
    expect(names).toContain('settlement_queue_jobs');
  });
});
