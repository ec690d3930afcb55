/**
 * String literals of PostgreSQL SQL: `E'...'` (backslash escapes) and
 * `'...'` (a doubled quote is a quote). Dollar quoting is not used by
 * Meridian's statements.
 */
const LITERAL = /\bE'(?:[^'\\]|\\[\s\S]|'')*'|'(?:[^']|'')*'/gi;

/**
 * SQL text fit for a span: every string literal replaced by `?`, as
 * OpenTelemetry's database conventions ask of text that is not parameterized.
 * Statements that carry their values as literals (the ledger's posting round
 * trips) would otherwise put a whole batch's rows, other tenants' included,
 * into one caller's trace.
 */
export function sqlTextWithoutLiterals(text: string): string {
  return text.includes("'") ? text.replace(LITERAL, '?') : text;
}
