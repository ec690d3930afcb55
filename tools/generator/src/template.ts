/**
 * The templates' language, kept small on purpose so a template reads like the
 * file it becomes:
 *
 *   {{name}}  {{callee.NAME}}                      a value (a missing one is an error)
 *   {{#each callees as callee}} ... {{/each}}       once per item of a list
 *   {{#if callees}} ... {{else}} ... {{/if}}        a truthy value (a non-empty list)
 *
 * A line holding nothing but a block tag leaves no blank line behind.
 */

export type TemplateValue = string | number | boolean | TemplateContext | TemplateValue[];
export interface TemplateContext {
  [key: string]: TemplateValue;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; path: string }
  | { kind: 'each'; path: string; item: string; body: Node[] }
  | { kind: 'if'; path: string; then: Node[]; otherwise: Node[] };

const TAG = /\{\{\s*([#/]?)(\w+(?:\.\w+)*)(?:\s+(\w+(?:\.\w+)*)(?:\s+as\s+(\w+))?)?\s*\}\}/g;
const STANDALONE_BLOCK_TAG = /^[ \t]*\{\{\s*(?:[#/](?:each|if)\b[^}]*|else)\s*\}\}[ \t]*\r?\n/gm;

export class TemplateError extends Error {}

/** Renders a template against a context; `source` names the template in errors. */
export function renderTemplate(template: string, context: TemplateContext, source = 'template'): string {
  const nodes = parse(
    template.replace(STANDALONE_BLOCK_TAG, (line) => line.trim()),
    source,
  );
  return renderNodes(nodes, context, source);
}

function parse(template: string, source: string): Node[] {
  const root: Node[] = [];
  // Open blocks, innermost last; each knows where its nodes go now.
  const stack: { node: Node & { kind: 'each' | 'if' }; target: Node[] }[] = [];
  const target = () => stack.at(-1)?.target ?? root;
  let offset = 0;
  for (const match of template.matchAll(TAG)) {
    const [tag, sigil, word, argument, item] = match as unknown as [string, string, string, string?, string?];
    if (match.index > offset) target().push({ kind: 'text', text: template.slice(offset, match.index) });
    offset = match.index + tag.length;
    const at = `${source}, offset ${match.index}`;
    if (sigil === '#') {
      if (word === 'each' && argument && item) {
        const node: Node = { kind: 'each', path: argument, item, body: [] };
        target().push(node);
        stack.push({ node, target: node.body });
      } else if (word === 'if' && argument && !item) {
        const node: Node = { kind: 'if', path: argument, then: [], otherwise: [] };
        target().push(node);
        stack.push({ node, target: node.then });
      } else throw new TemplateError(`${at}: unknown block ${tag}`);
    } else if (sigil === '/') {
      const open = stack.pop();
      if (open?.node.kind !== word) throw new TemplateError(`${at}: ${tag} closes nothing open`);
    } else if (word === 'else' && !argument) {
      const open = stack.at(-1);
      if (open?.node.kind !== 'if') throw new TemplateError(`${at}: {{else}} outside {{#if}}`);
      open.target = open.node.otherwise;
    } else if (!argument) {
      target().push({ kind: 'value', path: word });
    } else throw new TemplateError(`${at}: cannot read ${tag}`);
  }
  if (stack.length > 0) throw new TemplateError(`${source}: {{#${stack.at(-1)!.node.kind}}} is never closed`);
  if (offset < template.length) root.push({ kind: 'text', text: template.slice(offset) });
  return root;
}

function lookup(context: TemplateContext, path: string, source: string): TemplateValue {
  let value: TemplateValue | undefined = context;
  for (const key of path.split('.')) {
    value = value !== null && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;
  }
  if (value === undefined) throw new TemplateError(`${source}: no value for {{${path}}}`);
  return value;
}

const truthy = (value: TemplateValue) => (Array.isArray(value) ? value.length > 0 : Boolean(value));

function renderNodes(nodes: Node[], context: TemplateContext, source: string): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'value') {
      const value = lookup(context, node.path, source);
      if (typeof value === 'object') throw new TemplateError(`${source}: {{${node.path}}} is not a scalar`);
      out += String(value);
    } else if (node.kind === 'each') {
      const list = lookup(context, node.path, source);
      if (!Array.isArray(list)) throw new TemplateError(`${source}: {{#each ${node.path}}} is not a list`);
      for (const item of list) out += renderNodes(node.body, { ...context, [node.item]: item }, source);
    } else {
      const branch = truthy(lookup(context, node.path, source)) ? node.then : node.otherwise;
      out += renderNodes(branch, context, source);
    }
  }
  return out;
}
