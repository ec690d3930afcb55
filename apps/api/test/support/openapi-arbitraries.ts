import fc from 'fast-check';

/**
 * Requests for property-based tests, generated from the api's own OpenAPI
 * document: for every operation, values its schemas allow, then mutated the
 * way a hostile client would (wrong types, out-of-range and unstorable text,
 * numbers at and beyond int64, unknown fields, missing and duplicated
 * headers, bytes that are not JSON).
 */

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
}

export interface FuzzRequest {
  method: string;
  /** Percent-encoded path and query, as sent. */
  path: string;
  /** Header lines; a name given twice is sent twice. */
  headers: [string, string][];
  body: Buffer | undefined;
}

const MAX = 2n ** 63n - 1n;

/** Text a hostile client sends: control and unpaired surrogate characters, look-alike digits, huge and empty strings. */
export const hostileText = fc.oneof(
  fc.constantFrom(
    '',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    '\u202etxet',
    '٣٤',
    ' 1',
    '1e309',
    '0x10',
    '-1',
    'NaN',
    '__proto__',
    'constructor',
    String(MAX),
    String(MAX + 1n),
    '9'.repeat(40),
    '_settlement-EUR',
    '../..',
    '%00',
    'a'.repeat(65),
    'é'.repeat(300),
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
);

/** JSON numbers at the edges. */
const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e308, 65_535, 65_536, 2_592_001),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A value the schema allows (arrays kept short: size is not what these tests explore). */
export function fromSchema(schema: Schema): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case 'string': {
      const base = schema.pattern
        ? fc.stringMatching(new RegExp(schema.pattern))
        : fc.string({ minLength: schema.minLength ?? 0 });
      const max = schema.maxLength;
      return base.filter(
        (s) => s.length >= (schema.minLength ?? 0) && (max === undefined || s.length <= max),
      );
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fromSchema(schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object': {
      if (schema.properties) {
        const required = new Set(schema.required ?? []);
        const fields = Object.entries(schema.properties).map(
          ([name, field]) =>
            [
              name,
              required.has(name) ? fromSchema(field) : fc.option(fromSchema(field), { nil: undefined }),
            ] as const,
        );
        return fc
          .record(Object.fromEntries(fields))
          .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
      }
      const values = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
      return fc.dictionary(
        fromSchema(schema.propertyNames ?? { type: 'string' }) as fc.Arbitrary<string>,
        fromSchema(values),
        {
          maxKeys: 3,
        },
      );
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A valid value, with one field (at any depth) replaced, removed, or joined by an unknown one. */
function mutated(value: unknown): fc.Arbitrary<unknown> {
  if (value === null || typeof value !== 'object') return fc.oneof(fc.constant(value), hostileValue);
  const keys = Object.keys(value);
  const entries = value as Record<string, unknown>;
  return fc.oneof(
    fc.constant(value),
    hostileValue,
    fc.tuple(hostileText, hostileValue).map(([k, v]) => ({ ...entries, [k]: v })),
    ...(keys.length === 0
      ? []
      : [
          fc
            .constantFrom(...keys)
            .chain((k) =>
              mutated(entries[k]).map((v) =>
                Array.isArray(value) ? Object.assign([...value], { [k]: v }) : { ...entries, [k]: v },
              ),
            ),
          fc.constantFrom(...keys).map((k) => {
            const { [k]: _removed, ...rest } = entries;
            return rest;
          }),
        ]),
  );
}

/** Percent-encodes the UTF-8 of any string (unpaired surrogates become U+FFFD, as any HTTP client would send them). */
const encode = (text: string) =>
  [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

/** A copy of a part of the document with every `#/components/...` reference replaced by what it names. */
function resolved<T>(value: T, document: Document): T {
  if (Array.isArray(value)) return value.map((item: unknown) => resolved(item, document)) as T;
  if (value === null || typeof value !== 'object') return value;
  const { $ref, ...rest } = value as { $ref?: string };
  if ($ref !== undefined) {
    const [, section, name] = $ref.split('/').slice(1);
    return resolved({ ...(document.components[section!]![name!] as object), ...rest } as T, document);
  }
  return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, resolved(v, document)])) as T;
}

/** Every operation of the document as requests, valid or mutated; `token` authenticates (sometimes mangled). */
export function requestsFrom(document: Document, token: string) {
  const operations = Object.entries(document.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      template,
      method: method.toUpperCase(),
      operation: resolved(operation, document),
    })),
  );
  return fc.constantFrom(...operations).chain(({ template, method, operation }) => {
    const parameters = operation.parameters ?? [];
    const pathParams = parameters.filter((p) => p.in === 'path');
    const query = parameters.filter((p) => p.in === 'query');
    const bodySchema = operation.requestBody?.content['application/json'].schema;
    const pathValue = (p: Parameter) => fc.oneof(fromSchema(p.schema).map(String), hostileText);
    const queryValue = (p: Parameter) =>
      fc.option(fc.oneof(fromSchema(p.schema).map(String), hostileText), { nil: undefined });
    const body = bodySchema
      ? fc.oneof(
          {
            weight: 6,
            arbitrary: fromSchema(bodySchema)
              .chain(mutated)
              .map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
          },
          { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom(
                '{"amount": 99999999999999999999999}',
                '{"__proto__": {"x": 1}}',
                '[',
                '',
                '{}'.repeat(2),
              )
              .map((t) => Buffer.from(t)),
          },
        )
      : fc.constant(undefined);
    const authorization = fc.oneof(
      { weight: 8, arbitrary: fc.constant([['authorization', `Bearer ${token}`]] as [string, string][]) },
      { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
      {
        weight: 1,
        arbitrary: hostileText.map((t) => [['authorization', `Bearer ${encode(t)}`]] as [string, string][]),
      },
      {
        weight: 1,
        arbitrary: fc.constant([
          ['authorization', `Bearer ${token}`],
          ['authorization', `Bearer ${token}`],
        ] as [string, string][]),
      },
    );
    const idempotency = fc.oneof(
      { weight: 6, arbitrary: fc.uuid().map((k) => [['idempotency-key', k]] as [string, string][]) },
      { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.uuid(), fc.uuid()).map(
          ([a, b]) =>
            [
              ['idempotency-key', a],
              ['idempotency-key', b],
            ] as [string, string][],
        ),
      },
      {
        weight: 1,
        arbitrary: hostileText.map((t) => [['idempotency-key', encode(t) || '%']] as [string, string][]),
      },
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/json; charset=latin1',
    );
    return fc
      .record({
        path: fc.tuple(...pathParams.map(pathValue)),
        query: fc.tuple(...query.map(queryValue)),
        body,
        authorization,
        idempotency,
        contentType,
      })
      .map(
        ({
          path,
          query: values,
          body: payload,
          authorization: auth,
          idempotency: keys,
          contentType: type,
        }): FuzzRequest => {
          let url = template;
          pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, encode(path[i]!) || '%20')));
          const search = query.flatMap((p, i) =>
            values[i] === undefined ? [] : [`${p.name}=${encode(values[i])}`],
          );
          return {
            method,
            path: search.length > 0 ? `${url}?${search.join('&')}` : url,
            headers: [
              ...auth,
              ...(method === 'POST' ? keys : []),
              ...(payload ? [['content-type', type] as [string, string]] : []),
            ],
            body: payload,
          };
        },
      );
  });
}
