import { type FieldError, validationProblem } from '@meridian/bootstrap';
import { z } from 'zod';
import { isCurrency, parsePositiveAmount } from '../domain/money';

/**
 * Request validation: zod schemas, strict (unknown fields are errors), with
 * messages that say what to fix. Every problem in a request is reported at
 * once, each naming its field as a path (`transfers[3].amount`).
 */

/** A type error that tells "missing" apart from "wrong type". */
export const expected = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

/** Client-supplied identifiers: tenants, accounts, transfers. */
export const identifier = z
  .string({ error: expected('a string') })
  .min(1, { error: 'must not be empty' })
  .max(64, { error: 'must be at most 64 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, {
    error: 'may hold only letters, digits, ".", "_", ":" and "-", and must start with a letter or digit',
  });

export const amount = z
  .string({ error: expected('a string of decimal digits (integer minor units, e.g. "1050")') })
  .transform((text, ctx) => {
    const parsed = parsePositiveAmount(text);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

export const currency = z
  .string({ error: expected('a string') })
  .refine((code) => /^[A-Z]{3}$/.test(code) && isCurrency(code), {
    error: 'must be an ISO 4217 currency code, e.g. "EUR"',
  });

export const code = z
  .number({ error: expected('an integer') })
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must be at least 0' })
  .max(65_535, { error: 'must be at most 65535' });

/** Small, flat string metadata: at most 16 entries, keys up to 64 and values up to 256 characters. */
export const metadata = z
  .record(
    z
      .string()
      .min(1, { error: 'keys must not be empty' })
      .max(64, { error: 'keys must be at most 64 characters' }),
    z
      .string({ error: 'values must be strings' })
      .max(256, { error: 'values must be at most 256 characters' }),
    { error: 'must be an object of string values' },
  )
  .refine((value) => Object.keys(value).length <= 16, { error: 'must have at most 16 entries' });

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) =>
      typeof part === 'number' ? `${out}[${part}]` : out === '' ? String(part) : `${out}.${String(part)}`,
    '',
  );
}

/** Parses input against a schema, or throws a 400 problem listing every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: formatPath(root ? [root, ...issue.path] : issue.path) || '(body)',
    message: issueMessage(issue),
  }));
  throw validationProblem(errors);
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove them`;
  return issue.message;
}
