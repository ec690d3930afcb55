/**
 * What the checks of the alerting and recording rules and of the Grafana
 * dashboards read: the rule files of the chart (deploy/helm/meridian/rules,
 * which compose's Prometheus mounts and the chart's PrometheusRule embeds),
 * promtool, and the metric names the services register with prom-client.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, REPO_ROOT, toolchain } from './toolchain';

export const RULES_DIR = join(CHART_DIR, 'rules');
export const RULE_TESTS_DIR = join(RULES_DIR, 'tests');
export const DASHBOARDS_DIR = join(REPO_ROOT, 'docker', 'observability', 'grafana', 'dashboards');

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export interface RuleTestFile {
  rule_files: string[];
  tests: {
    name: string;
    alert_rule_test?: {
      eval_time: string;
      alertname: string;
      exp_alerts: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
    }[];
  }[];
}

/** The rule files, by name (`api-slos.yaml`, ...), in the order Helm's .Files.Glob reads them. */
export const ruleFileNames = () =>
  readdirSync(RULES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort();

export const ruleTestFileNames = () =>
  readdirSync(RULE_TESTS_DIR)
    .filter((name) => name.endsWith('.test.yaml'))
    .sort();

export const readRuleGroups = (file: string) =>
  (parse(readFileSync(join(RULES_DIR, file), 'utf8')) as { groups: RuleGroup[] }).groups;

export const readRuleTests = (file: string) =>
  parse(readFileSync(join(RULE_TESTS_DIR, file), 'utf8')) as RuleTestFile;

/** Every rule of every rule file. */
export const allRules = () => ruleFileNames().flatMap((file) => readRuleGroups(file).flatMap((g) => g.rules));

/** Runs promtool; its exit status and everything it printed. */
export function promtool(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(toolchain.promtool(), args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** PromQL's keywords and the names of its functions and aggregations, none of them a metric. */
const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'start', 'end']);

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? ['node_modules', 'dist'].includes(entry.name)
        ? []
        : walk(join(dir, entry.name))
      : [join(dir, entry.name)],
  );

/**
 * The metric names a PromQL expression reads: what is left once strings,
 * label matchers, ranges, label lists (by, on, ...), numbers, function calls
 * and keywords are taken out. Grafana's $__ variables stand for a duration.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\$__\w+/g, '5m')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/(^|[^\w:])\d+(\.\d+)?([eE][+-]?\d+)?([smhdwy]|ms)?/g, '$1')
    .replace(/[a-zA-Z_][\w]*\s*\(/g, '(');
  const names = bare.match(/[a-zA-Z_:][\w:]*/g) ?? [];
  return [...new Set(names.filter((name) => !PROMQL_WORDS.has(name.toLowerCase())))].sort();
}

/**
 * The series the services expose on /metrics: every prom-client metric
 * registered in apps/ and packages/ (`new Counter({ name: '...' })`, a
 * histogram as its _bucket, _count and _sum), and prom-client's default
 * process_ and nodejs_ metrics, which every service collects (ServiceMetrics);
 * and `up`, which Prometheus itself records for every target it scrapes.
 */
export function exportedSeries(): { names: Set<string>; prefixes: string[] } {
  const names = new Set<string>();
  const sources = ['apps', 'packages']
    .flatMap((root) => readdirSync(join(REPO_ROOT, root)).map((name) => join(REPO_ROOT, root, name, 'src')))
    .flatMap((dir) => {
      try {
        return walk(dir);
      } catch {
        return [];
      }
    })
    .filter((file) => file.endsWith('.ts'));
  const definition = /new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name:\s*'([a-zA-Z_:][\w:]*)'/g;
  for (const file of sources) {
    for (const [, type, name] of readFileSync(file, 'utf8').matchAll(definition)) {
      names.add(name!);
      if (type === 'Histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(name! + suffix);
      if (type === 'Summary') for (const suffix of ['_count', '_sum']) names.add(name! + suffix);
    }
  }
  names.add('up');
  return { names, prefixes: ['process_', 'nodejs_'] };
}
