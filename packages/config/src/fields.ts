import { z } from 'zod';

/**
 * Field builders for environment variables. Every variable arrives as a string
 * (or is absent); these turn it into a typed value with a message that says
 * what to fix. Messages never include the received value, so a mistyped secret
 * cannot leak into logs.
 */

const secretFields = new WeakSet<z.ZodType>();

/**
 * Marks a field as secret: its value is never printed and it may be read from
 * `<NAME>_FILE`. Apply it last (after `.describe()`), since every zod method
 * returns a new schema.
 */
export function secret<T extends z.ZodType>(field: T): T {
  secretFields.add(field);
  return field;
}

export function isSecret(field: z.ZodType): boolean {
  return secretFields.has(field);
}

export function integer(options: { min: number; max: number; default?: number }) {
  const { min, max } = options;
  const field = z
    .string({ error: 'is required' })
    .trim()
    .regex(/^-?\d+$/, { error: `must be an integer between ${min} and ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    );
  return options.default === undefined ? field : field.optional().transform((v) => v ?? options.default!);
}

export function port(defaultPort: number) {
  return integer({ min: 0, max: 65_535, default: defaultPort });
}

export function durationMs(defaultMs: number, max = 3_600_000) {
  return integer({ min: 0, max, default: defaultMs });
}

export function boolean(defaultValue: boolean) {
  return z
    .stringbool({ error: 'must be true or false' })
    .optional()
    .transform((v) => v ?? defaultValue);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue?: T[number]) {
  const field = z.enum(values, { error: `must be one of ${values.join(', ')}` });
  return defaultValue === undefined ? field : field.default(defaultValue as never);
}

export function text(
  options: { default?: string; pattern?: RegExp; hint?: string; maxLength?: number } = {},
) {
  let field = z
    .string({ error: 'is required' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(options.maxLength ?? 256, { error: `must be at most ${options.maxLength ?? 256} characters` });
  if (options.pattern)
    field = field.regex(options.pattern, { error: options.hint ?? 'has an invalid format' });
  return options.default === undefined ? field : field.default(options.default);
}

/** A URL with one of the given schemes, e.g. `url(['postgres', 'postgresql'])`. */
export function url(protocols: readonly string[], options: { default?: string } = {}) {
  const expected = protocols.map((p) => `${p}://`).join(' or ');
  const field = z.string({ error: 'is required' }).refine(
    (value) => {
      try {
        const parsed = new URL(value);
        return protocols.includes(parsed.protocol.replace(/:$/, '')) && parsed.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: `must be a URL starting with ${expected}` },
  );
  return options.default === undefined ? field : field.default(options.default);
}

/** An optional URL; absent means "feature off". */
export function optionalUrl(protocols: readonly string[]) {
  return url(protocols).optional();
}

/**
 * A comma-separated list of URLs with one of the given schemes, in order;
 * empty or absent: none. `urlList(['http', 'https'])`.
 */
export function urlList(protocols: readonly string[]) {
  const one = url(protocols);
  return z
    .string()
    .default('')
    .transform((value, ctx) => {
      const urls = value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      urls.forEach((item, i) => {
        if (!one.safeParse(item).success)
          ctx.addIssue({
            code: 'custom',
            message: `item ${i + 1} must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
          });
      });
      return urls;
    });
}
