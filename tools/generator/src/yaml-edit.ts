import { isScalar, parseDocument } from 'yaml';

/** The value of a scalar at `path` (e.g. ['image', 'registry']), or undefined when there is none. */
export function scalarAt(text: string, path: string[]): unknown {
  const node = parseDocument(text).getIn(path, true);
  return isScalar(node) ? node.value : undefined;
}

/**
 * The YAML text with the scalar at `path` set to `value`. Only that scalar's
 * characters change, located through the Document API, so comments, quotes
 * and layout everywhere else stay exactly as they were.
 */
export function withScalar(text: string, path: string[], value: string): string {
  const node = parseDocument(text).getIn(path, true);
  if (!isScalar(node) || !node.range) throw new Error(`no scalar at ${path.join('.')}`);
  const [start, end] = node.range;
  const quote = node.type === 'QUOTE_SINGLE' ? "'" : node.type === 'QUOTE_DOUBLE' ? '"' : '';
  const updated = `${text.slice(0, start)}${quote}${value}${quote}${text.slice(end)}`;
  if (scalarAt(updated, path) !== value)
    throw new Error(`setting ${path.join('.')} to ${value} needs quoting`);
  return updated;
}
