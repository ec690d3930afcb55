import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { renderChart } from '../src/kubernetes/helm';
import { componentObjects as byComponent, type KubeObject, selects } from '../src/kubernetes/manifests';
import {
  allRules,
  DASHBOARDS_DIR,
  exportedSeries,
  metricNames,
  promtool,
  readRuleGroups,
  readRuleTests,
  type RuleGroup,
  ruleFileNames,
  RULE_TESTS_DIR,
  RULES_DIR,
  ruleTestFileNames,
} from '../src/monitoring';
import { readServiceRegistry } from '../src/service-registry';
import { CHART_DIR, REPO_ROOT } from '../src/toolchain';
import { ingressPorts } from './support/network';

const scratch = mkdtempSync(join(tmpdir(), 'meridian-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

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

  it("makes every alert a page or a ticket, with a summary and a description that points at the README's Alerts, which names it", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    // The section README.md#alerts links to: from its heading to the next one.
    const [, section = ''] = /^### Alerts\n([\s\S]*?)^#/m.exec(readme) ?? [];
    expect(section.length).toBeGreaterThan(0);
    expect(alertingRules.length).toBeGreaterThan(0);
    for (const rule of alertingRules) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(page|ticket)$/),
      });
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toMatch(/Runbook: README\.md#alerts\.$/);
      expect(section).toContain(`| \`${rule.alert}\``);
    }
  });

  it("docs' example Alertmanager config routes pages and tickets apart, groups by alertname, namespace and slo, and inhibits the slow burn's ticket while the same SLO pages in that namespace", () => {
    const config = parse(
      readFileSync(join(REPO_ROOT, 'docs', 'operations', 'alertmanager.example.yaml'), 'utf8'),
    ) as {
      route: { group_by: string[]; routes: { matchers: string[]; receiver: string }[] };
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
      receivers: { name: string }[];
    };
    expect(config.route.group_by).toEqual(['alertname', 'namespace', 'slo']);
    // Each severity the rules use has its own receiver.
    const severities = [...new Set(alertingRules.map((rule) => rule.labels?.severity))].sort();
    expect(severities).toEqual(['page', 'ticket']);
    const receivers = severities.map(
      (severity) =>
        config.route.routes.find((route) => route.matchers.includes(`severity="${severity}"`))?.receiver,
    );
    expect(new Set(receivers).size).toBe(2);
    expect(config.receivers.map((receiver) => receiver.name).sort()).toEqual([...receivers].sort());
    // By alert name: `equal` would match a page and a ticket that both lack slo.
    const severityOf = (alert: string) =>
      new Set(alertingRules.filter((rule) => rule.alert === alert).map((rule) => rule.labels?.severity));
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['alertname="ErrorBudgetFastBurn"'],
        target_matchers: ['alertname="ErrorBudgetSlowBurn"'],
        equal: ['namespace', 'slo'],
      },
    ]);
    expect([severityOf('ErrorBudgetFastBurn'), severityOf('ErrorBudgetSlowBurn')]).toEqual([
      new Set(['page']),
      new Set(['ticket']),
    ]);
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

  it('has a MetricsMissing page for each service of the registry, each reading the scrape jobs of all of them', () => {
    const services = readServiceRegistry()
      .map((service) => service.name)
      .sort();
    const rules = alertingRules.filter((rule) => rule.alert === 'MetricsMissing');
    expect(rules.map((rule) => rule.labels?.service).sort()).toEqual(services);
    for (const rule of rules) {
      expect(rule.labels?.severity).toBe('page');
      // The namespaces where any of the services has a target, less those where this one has one up.
      const [, jobs = ''] = /up\{job=~"([^"]+)"\}/.exec(rule.expr) ?? [];
      expect(jobs.split('|').sort()).toEqual(services);
      expect(rule.expr).toContain(`unless on (namespace) (up{job="${rule.labels!.service}"} == 1)`);
    }
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

interface DataSourceRef {
  type: string;
  uid: string;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: DataSourceRef | null;
  targets?: { refId: string; expr: string; datasource?: DataSourceRef }[];
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
  datasource?: DataSourceRef;
  includeAll?: boolean;
  allValue?: string;
  current?: { value: string };
}

describe('the Grafana dashboards (docker/observability/grafana/dashboards)', () => {
  const dashboards = readdirSync(DASHBOARDS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({
      name,
      ...(JSON.parse(readFileSync(join(DASHBOARDS_DIR, name), 'utf8')) as {
        uid: string;
        title: string;
        schemaVersion: number;
        panels: Panel[];
        templating?: { list: Variable[] };
      }),
    }));
  const panelsOf = (dashboard: { panels: Panel[] }) =>
    dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  /** A query as Grafana sends it with each template variable at its All value (or its default). */
  const expand = (expr: string, dashboard: { templating?: { list: Variable[] } }) =>
    (dashboard.templating?.list ?? []).reduce(
      (text, variable) =>
        text.replace(
          new RegExp(`\\$(\\{${variable.name}\\}|${variable.name}\\b)`, 'g'),
          variable.allValue ?? variable.current?.value ?? '',
        ),
      expr,
    );

  it('are the overview and the SLOs, each with its own uid and distinct panel ids', () => {
    expect(dashboards.map(({ name, uid }) => [name, uid])).toEqual([
      ['meridian-overview.json', 'meridian-overview'],
      ['meridian-slos.json', 'meridian-slos'],
    ]);
    for (const dashboard of dashboards) {
      const ids = panelsOf(dashboard).map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    }
  });

  it('query only series the services export or the rules record, in expressions promtool parses', () => {
    const { names, prefixes } = exportedSeries();
    const recorded = new Set(allRules().flatMap((rule) => (rule.record ? [rule.record] : [])));
    const queries = dashboards.flatMap((dashboard) =>
      panelsOf(dashboard).flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({
          where: `${dashboard.name}: ${panel.title}`,
          expr: expand(target.expr, dashboard),
        })),
      ),
    );
    expect(queries.length).toBeGreaterThan(20);
    const unknown = queries.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter(
          (name) => !names.has(name) && !recorded.has(name) && !prefixes.some((p) => name.startsWith(p)),
        )
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    // promtool parses each expression as a recording rule's.
    const file = join(scratch, 'dashboard-queries.yaml');
    writeFileSync(
      file,
      stringify({
        groups: [
          {
            name: 'dashboards',
            rules: queries.map(({ expr }, index) => ({ record: `dashboard:query:${index}`, expr })),
          },
        ],
      }),
    );
    expect(checkRules(file)).toEqual({ status: 0, output: 'SUCCESS' });
  });

  it("shows each SLO's SLI against its target, the 30-day budget left, and its burn rate over every alert window", () => {
    const slos = dashboards.find((dashboard) => dashboard.uid === 'meridian-slos')!;
    const queries = panelsOf(slos).flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    for (const slo of ['api-availability', 'api-latency']) {
      const selector = `{namespace=~"$namespace", slo="${slo}"}`;
      expect(queries).toContain(`slo:objective:ratio${selector}`);
      expect(queries).toContain(`1 - slo:sli_error:ratio_rate30d${selector}`);
      expect(queries).toContain(`slo:error_budget:remaining_ratio30d${selector}`);
      for (const window of ['5m', '30m', '1h', '2h', '6h', '1d', '3d'])
        expect(queries).toContain(`slo:sli_error:ratio_rate${window}${selector} / slo:error_budget:ratio`);
    }
  });

  it("the SLOs' one lets a viewer pick the Prometheus and the namespace: every panel and query reads ${datasource}, every query filters by $namespace, whose values are a recording rule's namespace label", () => {
    const slos = dashboards.find((dashboard) => dashboard.uid === 'meridian-slos')!;
    const variables = slos.templating?.list ?? [];
    expect(variables.map((variable) => [variable.name, variable.type])).toEqual([
      ['datasource', 'datasource'],
      ['namespace', 'query'],
    ]);
    const [datasource, namespace] = variables as [Variable, Variable];
    // Compose provisions Prometheus as the default data source under a fixed uid: the variable starts there.
    const provisioned = parse(
      readFileSync(
        join(
          REPO_ROOT,
          'docker',
          'observability',
          'grafana',
          'provisioning',
          'datasources',
          'datasources.yaml',
        ),
        'utf8',
      ),
    ) as { datasources: { type: string; uid: string; isDefault?: boolean }[] };
    const prometheus = provisioned.datasources.find((source) => source.type === 'prometheus');
    expect([datasource.query, datasource.current?.value]).toEqual(['prometheus', prometheus?.uid]);
    expect(prometheus?.isDefault).toBe(true);
    // The namespaces a recording rule's series carry; All matches every one, and compose's series, which have none.
    const recorded = new Set(allRules().flatMap((rule) => (rule.record ? [rule.record] : [])));
    const query = typeof namespace.query === 'string' ? namespace.query : namespace.query.query;
    const [, series = ''] = /^label_values\(([\w:]+), namespace\)$/.exec(query) ?? [];
    expect(recorded).toContain(series);
    expect([namespace.includeAll, namespace.allValue]).toEqual([true, '.*']);
    expect(expand('up{namespace=~"$namespace"} or up{namespace=~"${namespace}"}', slos)).toBe(
      'up{namespace=~".*"} or up{namespace=~".*"}',
    );
    const onDatasource = { type: 'prometheus', uid: '${datasource}' };
    expect(namespace.datasource).toEqual(onDatasource);
    const panels = panelsOf(slos).filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) {
      expect({ panel: panel.title, datasource: panel.datasource }).toEqual({
        panel: panel.title,
        datasource: onDatasource,
      });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect({ panel: panel.title, datasource: target.datasource }).toEqual({
          panel: panel.title,
          datasource: onDatasource,
        });
        expect(target.expr).toContain('namespace=~"$namespace"');
      }
    }
  });
});

describe("the chart's Prometheus Operator objects", () => {
  const registry = readServiceRegistry();
  const monitoring = (objects: KubeObject[]) =>
    objects.filter((object) => object.apiVersion === 'monitoring.coreos.com/v1');

  it.each(['values.yaml', 'values-local.yaml'])(
    'renders none with %s, since the Prometheus Operator may not be installed',
    (valuesFile) => {
      expect(monitoring(renderChart(valuesFile))).toEqual([]);
    },
  );

  /** The rendered PrometheusRule's groups, and its rules' runbook_url annotations taken out of them. */
  const renderedRules = (valuesFile: string, set: string[] = []) => {
    const rules = renderChart(valuesFile, set).filter((object) => object.kind === 'PrometheusRule');
    expect(rules.map((object) => object.metadata.name)).toEqual(['meridian']);
    const groups = (rules[0]!.spec as { groups: RuleGroup[] }).groups;
    const runbookUrls = groups.flatMap((group) =>
      group.rules.map((rule) => {
        const { runbook_url: url, ...annotations } = rule.annotations ?? {};
        if (rule.annotations) rule.annotations = annotations;
        return { rule: rule.alert ?? rule.record, url };
      }),
    );
    return { groups, runbookUrls };
  };

  it.each(['values-staging.yaml', 'values-production.yaml'])(
    'with %s, embeds the rule files in one PrometheusRule, unchanged but for a runbook_url on each alert, whose groups pass promtool check rules',
    (valuesFile) => {
      const { groups, runbookUrls } = renderedRules(valuesFile);
      // Unchanged, so the unit tests of the files hold for what the cluster's Prometheus evaluates.
      expect(groups).toEqual(ruleFileNames().flatMap((file) => readRuleGroups(file)));
      expect(runbookUrls).toEqual(
        allRules().map((rule) =>
          rule.alert
            ? { rule: rule.alert, url: expect.stringMatching(/#alerts$/) }
            : { rule: rule.record, url: undefined },
        ),
      );
      const file = join(scratch, `rendered-${valuesFile}`);
      writeFileSync(file, stringify({ groups }));
      expect(checkRules(file)).toEqual({ status: 0, output: 'SUCCESS' });
    },
  );

  it.each(['values-staging.yaml', 'values-production.yaml'])(
    "with %s, labels the PrometheusRule and every ServiceMonitor release: kube-prometheus-stack, which that install's Prometheus selects by default",
    (valuesFile) => {
      const labelled = monitoring(renderChart(valuesFile)).map((object) => [
        object.kind,
        object.metadata.labels?.release,
      ]);
      expect(labelled).toEqual([
        ['PrometheusRule', 'kube-prometheus-stack'],
        ...registry.map(() => ['ServiceMonitor', 'kube-prometheus-stack']),
      ]);
    },
  );

  it("links every alert to the README's Alerts section (runbook_url): the chart's home, which ./meridian rename --repository rewrites, + #alerts, or monitoring.prometheusRule.runbookUrl", () => {
    const { home } = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { home: string };
    expect(home).toMatch(/^https:\/\/\S+[^/]$/);
    // The README has one Alerts heading, so its anchor is #alerts.
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').match(/^#+ Alerts$/gm)).toEqual(['### Alerts']);
    const alerts = new Set(allRules().flatMap((rule) => (rule.alert ? [rule.alert] : [])));
    const urls = (set: string[] = []) =>
      new Set(
        renderedRules('values-production.yaml', set)
          .runbookUrls.filter(({ rule }) => alerts.has(rule!))
          .map(({ url }) => url),
      );
    expect(urls()).toEqual(new Set([`${home}#alerts`]));
    expect(urls(['monitoring.prometheusRule.runbookUrl=https://runbooks.acme.example/payments'])).toEqual(
      new Set(['https://runbooks.acme.example/payments']),
    );
  });

  it('adds the labels a Prometheus selects its rules and monitors by', () => {
    const objects = renderChart(
      'values-production.yaml',
      ['monitoring.prometheusRule.labels.release=kube-prometheus-stack'],
      ['monitoring.serviceMonitors.labels={"release":"kube-prometheus-stack"}'],
    );
    const labelled = monitoring(objects).map((object) => [
      object.kind,
      object.metadata.labels?.release,
      object.metadata.labels?.['app.kubernetes.io/instance'],
    ]);
    expect(labelled).toHaveLength(1 + registry.length);
    // Beside the chart's own labels (the release's instance label among them), not instead of them.
    for (const [, release, instance] of labelled)
      expect([release, instance]).toEqual(['kube-prometheus-stack', 'meridian']);
  });

  it.each(registry.map((service) => [service.name, service.kind] as const))(
    '%s: a ServiceMonitor scrapes /metrics on the management port of each pod once, labelled as compose labels it, through the network policy',
    (name, kind) => {
      const objects = renderChart('values-production.yaml');
      const [monitor] = byComponent(objects, 'ServiceMonitor', name);
      const spec = monitor!.spec as {
        jobLabel: string;
        selector: { matchLabels: Record<string, string> };
        endpoints: {
          port: string;
          path: string;
          relabelings: {
            sourceLabels?: string[];
            regex?: string;
            action?: string;
            targetLabel?: string;
            replacement?: string;
          }[];
        }[];
      };
      const [endpoint] = spec.endpoints;
      expect(spec.endpoints).toHaveLength(1);
      expect([endpoint!.port, endpoint!.path]).toEqual(['management', '/metrics']);
      const selected = objects.filter(
        (object) =>
          object.kind === 'Service' && selects(spec.selector.matchLabels, object.metadata.labels ?? {}),
      );
      expect(selected.length).toBeGreaterThan(0);
      // job and service are the service's name, as compose's scrape job and the rules have them: the
      // Prometheus Operator reads jobLabel from the labels of each Service the monitor selects, not its own.
      expect(selected.map((service) => service.metadata.labels?.[spec.jobLabel])).toEqual(
        selected.map(() => name),
      );
      expect(endpoint!.relabelings).toContainEqual({ targetLabel: 'service', replacement: name });
      // Every Service it selects names the port; a StatefulSet's headless Service is dropped, not scraped twice.
      for (const service of selected)
        expect((service.spec!.ports as { name: string }[]).map((port) => port.name)).toContain('management');
      const dropped = endpoint!.relabelings
        .filter(
          (rule) => rule.action === 'drop' && rule.sourceLabels?.[0] === '__meta_kubernetes_service_name',
        )
        .map((rule) => rule.regex);
      expect(selected.map((service) => service.metadata.name).filter((n) => !dropped.includes(n))).toEqual([
        `meridian-${name}`,
      ]);
      expect(dropped).toEqual(kind === 'StatefulSet' ? [`meridian-${name}-headless`] : []);
      // networkPolicy.metricsScrapersFrom (the monitoring namespace) reaches that port.
      expect(ingressPorts(objects, name)['namespace monitoring']).toContain('management');
    },
  );
});
