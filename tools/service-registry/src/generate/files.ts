import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as estreePlugin from 'prettier/plugins/estree';
import * as typescriptPlugin from 'prettier/plugins/typescript';
import * as yamlPlugin from 'prettier/plugins/yaml';
import { type Options } from 'prettier';
import { format } from 'prettier/standalone';
import { REGISTRY_FILE, REPO_ROOT } from '../paths';
import { type Registry } from '../registry';
import { callersFile, renderCallers } from './callers';
import { renderCompose } from './compose';
import { renderDatabasesSql } from './databases-sql';
import { renderPrometheus } from './prometheus';

/** A committed file written from the registry (and a hand-written template, for some). */
interface GeneratedFile {
  /** Relative to the repository. */
  path: string;
  template?: string;
  render(registry: Registry, template: string, notice: string): string;
}

/** The files written from the registry: the local stack's, and each app's list of callers. */
export function generatedFiles(registry: Registry): GeneratedFile[] {
  return [
    { path: 'docker/compose.yaml', template: 'docker/compose.template.yaml', render: renderCompose },
    {
      path: 'docker/observability/prometheus.yml',
      template: 'docker/observability/prometheus.template.yml',
      render: renderPrometheus,
    },
    {
      path: 'docker/postgres/databases.sql',
      render: (current, _template, notice) => renderDatabasesSql(current, notice),
    },
    ...registry.services.map((service) => ({
      path: callersFile(service.name),
      render: (current: Registry, _template: string, notice: string) =>
        renderCallers(current, service.name, notice),
    })),
  ];
}

export const REGENERATE_COMMAND = 'npm run generate';

const noticeFor = (file: GeneratedFile) =>
  [
    `# Written by \`${REGENERATE_COMMAND}\` from the services registry (\`services:\` in`,
    `# ${relative(REPO_ROOT, REGISTRY_FILE)})${file.template ? ` and ${file.template}` : ''}:`,
    '# edit those, not this file.',
  ].join('\n');

/**
 * The text as `prettier --check` wants it. Prettier's standalone build: its main
 * entry loads its parsers by dynamic import, which Jest's module runtime cannot.
 */
async function formatted(path: string, text: string, options: Options): Promise<string> {
  if (/\.ya?ml$/.test(path)) return format(text, { ...options, parser: 'yaml', plugins: [yamlPlugin] });
  if (path.endsWith('.ts'))
    return format(text, { ...options, parser: 'typescript', plugins: [estreePlugin, typescriptPlugin] });
  return text;
}

/** What each generated file should hold now, formatted as prettier would. */
export async function renderGeneratedFiles(
  registry: Registry,
  root = REPO_ROOT,
): Promise<{ path: string; content: string }[]> {
  const options = JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf8')) as Options;
  return Promise.all(
    generatedFiles(registry).map(async (file) => {
      const template = file.template ? readFileSync(join(root, file.template), 'utf8') : '';
      const text = file.render(registry, template, noticeFor(file));
      return { path: file.path, content: await formatted(file.path, text, options) };
    }),
  );
}

/** Writes the files that changed; returns their paths. */
export async function writeGeneratedFiles(registry: Registry, root = REPO_ROOT): Promise<string[]> {
  const written: string[] = [];
  for (const { path, content } of await renderGeneratedFiles(registry, root)) {
    const absolute = join(root, path);
    if (existsSync(absolute) && readFileSync(absolute, 'utf8') === content) continue;
    writeFileSync(absolute, content);
    written.push(path);
  }
  return written;
}

/** One line per generated file that is not what the registry and its template make now. */
export async function staleGeneratedFiles(registry: Registry, root = REPO_ROOT): Promise<string[]> {
  const stale: string[] = [];
  for (const { path, content } of await renderGeneratedFiles(registry, root)) {
    const absolute = join(root, path);
    const current = existsSync(absolute) ? readFileSync(absolute, 'utf8') : undefined;
    if (current !== content) {
      stale.push(
        `${path} is ${current === undefined ? 'missing' : 'not current'}: run \`${REGENERATE_COMMAND}\``,
      );
    }
  }
  return stale;
}
