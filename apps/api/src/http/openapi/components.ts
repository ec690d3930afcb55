import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

const DEFS = '#/$defs/';
const COMPONENTS = '#/components/schemas/';

/**
 * The schemas of an OpenAPI document, built from zod. zod writes a schema
 * that holds named parts (`.meta({ id })`) as a JSON Schema document of its
 * own: `{ "$ref": "#/$defs/Account", "$defs": { ... } }`. Inside an OpenAPI
 * document `#/$defs/...` points at the document's root, where nothing is, so
 * every named part is moved to `components.schemas` and every reference
 * rewritten to point there. A name defined twice must mean one schema: an
 * identical definition is kept once, a different one is an error.
 */
export class SchemaComponents {
  private readonly schemas = new Map<string, JsonSchema>();

  /**
   * The schema to place in the document: a `$ref` to a component when the
   * schema is named (by `.meta({ id })` or by `name`), else the schema inline.
   * `io` is the side it describes: a request (`input`) or a response (`output`).
   */
  use(schema: z.ZodType, io: 'input' | 'output', name?: string): JsonSchema {
    const generated = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
    }) as JsonSchema;
    const { $schema: _, $defs, ...root } = generated;
    for (const [defName, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      this.define(defName, rewriteRefs(def) as JsonSchema);
    }
    const inline = rewriteRefs(root) as JsonSchema;
    if (name === undefined) return inline;
    // Named here and by `.meta({ id })` too: the component is the one zod named.
    if (typeof inline.$ref === 'string' && Object.keys(inline).length === 1) {
      if (inline.$ref !== `${COMPONENTS}${name}`)
        throw new Error(`schema named "${name}" is already named ${inline.$ref.slice(COMPONENTS.length)}`);
      return inline;
    }
    this.define(name, inline);
    return { $ref: `${COMPONENTS}${name}` };
  }

  /** Adds a component; the same name may come again only with the same schema. */
  define(name: string, schema: JsonSchema): void {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
      // zod names unnamed shared or recursive parts `__schema0`, `__schema1`, ... in every
      // schema it writes, so two such names would mean different things: name them.
      throw new Error(`schema part "${name}" has no name of its own: give it one with .meta({ id })`);
    }
    const existing = this.schemas.get(name);
    if (existing !== undefined && !isDeepStrictEqual(existing, schema)) {
      throw new Error(
        `two different schemas are named "${name}":\n${JSON.stringify(existing)}\n${JSON.stringify(schema)}`,
      );
    }
    this.schemas.set(name, schema);
  }

  /** Every component, by name in alphabetical order (so the document is stable). */
  all(): Record<string, JsonSchema> {
    return Object.fromEntries([...this.schemas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

/** A copy of a JSON Schema whose `#/$defs/X` references point at `#/components/schemas/X`. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (key !== '$ref') return [key, rewriteRefs(inner)];
      if (typeof inner === 'string' && inner.startsWith(DEFS))
        return [key, `${COMPONENTS}${inner.slice(DEFS.length)}`];
      // `#` (a recursive schema without a name) or any other reference would not resolve in the document.
      throw new Error(
        `cannot place a reference to ${String(inner)} in the OpenAPI document: name the schema`,
      );
    }),
  );
}
