import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import type { Repository } from './repository';
import { UsageError } from './usage-error';
import { scalarAt, withScalar } from './yaml-edit';

/** What a fork renames, each read from where the repository defines it. */
export interface ForkNames {
  /** npm scope of every workspace, e.g. `@acme`. */
  scope: string;
  /** The Helm chart's name and folder, e.g. `acme-pay`. */
  chart: string;
  /** Images are `<imagePrefix>-<app>`, e.g. `ghcr.io/acme/pay`. */
  imagePrefix: string;
  /** Base URL of problem types, e.g. `https://problems.acme.example/`. */
  problemBase: string;
  /** The source repository, e.g. `https://github.com/acme/pay`. */
  repository: string;
}

export type Category = keyof ForkNames;

const PROBLEM_DETAILS = 'packages/bootstrap/src/problem-details.ts';

/** The names as the repository has them now. */
export function currentNames(repo: Repository): ForkNames {
  const chart = parse(readFileSync(join(repo.chartDir, 'Chart.yaml'), 'utf8')) as {
    name: string;
    home?: string;
  };
  const values = readFileSync(repo.registryFile, 'utf8');
  const problemBase = /PROBLEM_BASE_URI = '([^']+)'/.exec(
    readFileSync(repo.path(PROBLEM_DETAILS), 'utf8'),
  )?.[1];
  if (!problemBase) throw new Error(`${PROBLEM_DETAILS} does not define PROBLEM_BASE_URI`);
  return {
    scope: repo.scope,
    chart: chart.name,
    imagePrefix: `${String(scalarAt(values, ['image', 'registry']))}/${String(scalarAt(values, ['image', 'repositoryPrefix']))}`,
    problemBase,
    repository: chart.home ?? '',
  };
}

/** Why a new name cannot be used, or null. */
export function renameProblem(category: Category, value: string): string | null {
  const checks: Record<Category, [RegExp, string]> = {
    scope: [/^@[a-z0-9][a-z0-9-]*$/, 'an npm scope: "@" then lower-case letters, digits and "-"'],
    chart: [
      /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/,
      'a chart name: lower-case letters, digits and "-", at most 40',
    ],
    imagePrefix: [
      /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/,
      'a registry host and repository path, e.g. ghcr.io/acme/pay (images become <prefix>-<app>)',
    ],
    problemBase: [/^https:\/\/[^\s'"`]+\/$/, 'an https URL ending in "/" (problem types are <base><slug>)'],
    repository: [/^https:\/\/[^\s'"`]+[^/\s'"`]$/, 'an https URL of the repository, without a trailing "/"'],
  };
  const [pattern, expected] = checks[category];
  return pattern.test(value) ? null : `"${value}" is not ${expected}`;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface Rule {
  category: Category;
  pattern: RegExp;
  replacement: string;
  /** Limits the rule to some files (paths relative to the repository root). */
  applies?: (file: string) => boolean;
}

/** The last path segment of an image prefix: local image names are `<it>-<app>` (compose, kind). */
const localImageName = (prefix: string) => prefix.split('/').pop()!;

/**
 * The text rules of a rename, each an old name in one of the contexts it is
 * written in. Contexts rather than bare words: "meridian" is also the
 * product, the release and the namespace, which a fork may keep.
 */
function rules(old: ForkNames, next: Partial<ForkNames>, chartFolder: string): Rule[] {
  const list: Rule[] = [];
  const add = (category: Category, pattern: RegExp, replacement: string, applies?: Rule['applies']) => {
    if (next[category] !== undefined) list.push({ category, pattern, replacement, applies });
  };
  const inChart = (file: string) => file.startsWith(`${chartFolder}/`);
  const scope = escape(old.scope);
  add('scope', new RegExp(`(?<![\\w@])${scope}(?![\\w.-])`, 'g'), next.scope ?? '');

  const chart = escape(old.chart);
  add('chart', new RegExp(`(?<=\\bhelm/)${chart}(?![\\w.-])`, 'g'), next.chart ?? '');
  add('chart', new RegExp(`(?<=['"]helm['"],\\s*['"])${chart}(?=['"])`, 'g'), next.chart ?? '');
  add(
    'chart',
    new RegExp(`^name: ${chart}$`, 'gm'),
    `name: ${next.chart}`,
    (f) => f === `${chartFolder}/Chart.yaml`,
  );
  add('chart', new RegExp(`(?<=")${chart}(?=\\.[A-Za-z])`, 'g'), next.chart ?? '', inChart);
  add('chart', new RegExp(`(?<=app\\.kubernetes\\.io/(name|part-of): )${chart}$`, 'gm'), next.chart ?? '');
  add('chart', new RegExp(`(?<=\\bdist/)${chart}(?=-\\*\\.tgz)`, 'g'), next.chart ?? '');
  add('chart', new RegExp(`\\b${chart}-chart\\b`, 'g'), `${next.chart}-chart`);

  const prefix = escape(old.imagePrefix);
  const local = escape(localImageName(old.imagePrefix));
  const nextLocal = next.imagePrefix === undefined ? '' : localImageName(next.imagePrefix);
  add('imagePrefix', new RegExp(`${prefix}(?=-)`, 'g'), next.imagePrefix ?? '');
  // The image workflow names images after the repository's owner.
  add(
    'imagePrefix',
    new RegExp(`ghcr\\.io/\\$\\{\\{ github\\.repository_owner \\}\\}/${local}(?=-\\$\\{\\{)`, 'g'),
    next.imagePrefix ?? '',
  );
  add('imagePrefix', new RegExp(`\\b${local}(?=-(\\$\\{(APP|app)\\}|<app>))`, 'g'), nextLocal);
  add('imagePrefix', new RegExp(`\\b${local}(?=-([a-z0-9-]+|\\$\\{[\\w.]+\\}):local\\b)`, 'g'), nextLocal);
  add('imagePrefix', new RegExp(`(?<=(-t |--rm |localhost/))${local}(?=-)`, 'g'), nextLocal);

  // The image workflow logs in to the registry it pushes to.
  add(
    'imagePrefix',
    new RegExp(`(?<=^\\s+registry: )${escape(old.imagePrefix.split('/')[0]!)}$`, 'gm'),
    next.imagePrefix?.split('/')[0] ?? '',
    (file) => file === '.github/workflows/images.yml',
  );

  add('problemBase', new RegExp(escape(old.problemBase), 'g'), next.problemBase ?? '');
  if (old.repository)
    add('repository', new RegExp(`${escape(old.repository)}(?![\\w/-])`, 'g'), next.repository ?? '');
  return list;
}

/** The files a rename reads: tracked and new ones, not ignored ones (node_modules, dist, generated code). */
function repositoryFiles(repo: Repository): string[] {
  const git = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo.root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (git.status !== 0) throw new UsageError(`rename works in a git checkout: ${git.stderr.trim()}`);
  // Regular files only: a symlink (to a folder of dependencies, say) is not the repository's text.
  return [...new Set(git.stdout.split('\0').filter(Boolean))]
    .filter((file) => existsSync(repo.path(file)) && lstatSync(repo.path(file)).isFile())
    .sort();
}

const isText = (content: Buffer) => !content.subarray(0, 8_000).includes(0);

export interface RenameResult {
  /** Files changed, by category. */
  changed: Record<Category, string[]>;
  /** The chart's folder, when it moved. */
  movedChart?: { from: string; to: string };
}

/**
 * Renames what a fork makes its own, across every file of the repository:
 * the npm scope (package names, imports, tsconfig paths, the lockfile's
 * workspace entries, scripts and docs), the chart (its name, folder, template
 * names and labels), the image names (chart values, image workflow, compose,
 * Dockerfile) and the problem-type base URL, plus the repository URL.
 */
export function rename(repo: Repository, next: Partial<ForkNames>): RenameResult {
  for (const [category, value] of Object.entries(next) as [Category, string][]) {
    const problem = renameProblem(category, value);
    if (problem)
      throw new UsageError(`--${category.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${problem}`);
  }
  const old = currentNames(repo);
  const chartFolder = repo.relative(repo.chartDir);
  const textRules = rules(old, next, chartFolder);
  const changed: RenameResult['changed'] = {
    scope: [],
    chart: [],
    imagePrefix: [],
    problemBase: [],
    repository: [],
  };

  // Every file is rewritten in memory first: a failure leaves the repository as it was.
  const writes: { path: string; text: string }[] = [];
  for (const file of repositoryFiles(repo)) {
    const path = repo.path(file);
    const content = readFileSync(path);
    if (!isText(content)) continue;
    let text = content.toString('utf8');
    const categories = new Set<Category>();
    for (const rule of textRules) {
      if (rule.applies && !rule.applies(file)) continue;
      const replaced = text.replace(rule.pattern, rule.replacement);
      if (replaced !== text) categories.add(rule.category);
      text = replaced;
    }
    if (
      next.imagePrefix !== undefined &&
      file.startsWith(`${chartFolder}/`) &&
      /\/values[^/]*\.yaml$/.test(file)
    ) {
      const updated = withImageNames(text, old.imagePrefix, next.imagePrefix);
      if (updated !== text) categories.add('imagePrefix');
      text = updated;
    }
    if (categories.size === 0) continue;
    writes.push({ path, text });
    for (const category of categories) changed[category].push(file);
  }
  const movedChart =
    next.chart !== undefined && next.chart !== basename(chartFolder)
      ? { from: chartFolder, to: join('deploy', 'helm', next.chart) }
      : undefined;
  if (movedChart && existsSync(repo.path(movedChart.to)))
    throw new UsageError(`${movedChart.to} exists already`);

  for (const { path, text } of writes) writeFileSync(path, text);
  if (movedChart) renameSync(repo.path(movedChart.from), repo.path(movedChart.to));
  // The lockfile's entries are sorted by name: npm puts the renamed workspaces in their places.
  if (changed.scope.length > 0) repo.updateLockfile();
  return movedChart ? { changed, movedChart } : { changed };
}

/**
 * A values file's image names: `image.registry` and `image.repositoryPrefix`
 * when they spell the old prefix, or a local prefix (`localhost` + the old
 * prefix's last segment) turned into the new one's last segment.
 */
function withImageNames(text: string, oldPrefix: string, newPrefix: string): string {
  const registry = scalarAt(text, ['image', 'registry']);
  const repositoryPrefix = scalarAt(text, ['image', 'repositoryPrefix']);
  if (typeof repositoryPrefix !== 'string') return text;
  const [newRegistry, ...newPath] = newPrefix.split('/');
  if (`${String(registry)}/${repositoryPrefix}` === oldPrefix)
    return withScalar(
      withScalar(text, ['image', 'registry'], newRegistry!),
      ['image', 'repositoryPrefix'],
      newPath.join('/'),
    );
  if (repositoryPrefix === localImageName(oldPrefix))
    return withScalar(text, ['image', 'repositoryPrefix'], localImageName(newPrefix));
  return text;
}

/**
 * Where an old name is still written after a rename, per category: the
 * contexts the rules know, searched again. Empty after a complete rename.
 */
export function leftovers(repo: Repository, old: ForkNames, categories: Category[]): string[] {
  const next = Object.fromEntries(categories.map((category) => [category, 'x'])) as Partial<ForkNames>;
  const chartFolder = repo.relative(repo.chartDir);
  const found: string[] = [];
  for (const file of repositoryFiles(repo)) {
    const content = readFileSync(repo.path(file));
    if (!isText(content)) continue;
    const text = content.toString('utf8');
    for (const rule of rules(old, next, chartFolder)) {
      if (rule.applies && !rule.applies(file)) continue;
      for (const match of text.matchAll(rule.pattern)) {
        const line = text.slice(0, match.index).split('\n').length;
        found.push(`${file}:${line}: ${rule.category} ${match[0]}`);
      }
    }
  }
  return found;
}
