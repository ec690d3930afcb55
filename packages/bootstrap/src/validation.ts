import type { z } from 'zod';
import { type FieldError, validationProblem } from './problem-details';

/** `transfers[3].amount` from zod's path `['transfers', 3, 'amount']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) =>
      typeof part === 'number' ? `${out}[${part}]` : out === '' ? String(part) : `${out}.${String(part)}`,
    '',
  );
}

/**
 * Parses input against a zod schema, or throws a 400 problem listing every bad
 * field at once, each named by its path, each with what to fix.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: formatPath(root ? [root, ...issue.path] : issue.path) || '(body)',
    message:
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove them`
        : issue.message,
  }));
  throw validationProblem(errors);
}
