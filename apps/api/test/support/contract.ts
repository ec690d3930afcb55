import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import document from '../../openapi.json';

/**
 * The api's answers checked against its OpenAPI document (apps/api/openapi.json):
 * the status must be one the operation documents, each header it documents
 * must be present when required and of its schema when sent, and the body must
 * be of the documented media type and schema (JSON Schema 2020-12, with ajv).
 * Every request the end-to-end suites send to the api goes through
 * `checkedFetch` (the `request` helper and the SDK clients use it), so an
 * answer the document does not describe fails the test that received it.
 */

type Schema = Record<string, unknown>;
interface Header {
  required?: boolean;
  schema: Schema;
}
interface MediaType {
  schema: Schema;
}
interface DocumentedResponse {
  headers?: Record<string, Header | { $ref: string }>;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId: string;
  responses: Record<string, DocumentedResponse>;
}

const BASE = 'https://meridian.dev/openapi.json';
const components = document.components as unknown as Record<string, Record<string, unknown>>;

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
// The document's components are one schema resource, so `#/components/schemas/X` resolves in it.
ajv.addKeyword('components');
ajv.addSchema({ $id: BASE, components: { schemas: components.schemas } });

/** A schema of the document whose references point into the resource above. */
function anchored(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(anchored);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/')
        ? `${BASE}${inner}`
        : anchored(inner),
    ]),
  );
}

const validators = new Map<Schema, ValidateFunction>();
function validatorOf(schema: Schema): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(anchored(schema) as Schema);
    validators.set(schema, validate);
  }
  return validate;
}

/** A `#/components/<section>/<name>` object, or the object itself. */
function deref<T>(value: T | { $ref: string }): T {
  const ref = (value as { $ref?: string }).$ref;
  if (ref === undefined) return value as T;
  const [, , section, name] = ref.split('/');
  return components[section!]![name!] as T;
}

/** Operations as path patterns; a template without parameters is tried before one with. */
const OPERATIONS = Object.entries(document.paths as unknown as Record<string, Record<string, Operation>>)
  .flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
      params: (template.match(/\{/g) ?? []).length,
      operation,
    })),
  )
  .sort((a, b) => a.params - b.params);

const describeErrors = (validate: ValidateFunction) =>
  (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim()).join('; ');

/** Header values are text; a header whose schema is an integer is read as one. */
const headerValue = (value: string, schema: Schema) =>
  schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * What is wrong with an answer to `method url` by the document: nothing (`[]`),
 * each difference, or `undefined` when no operation of the document is at that
 * address (an unknown route, the management API, another service).
 */
export function contractViolations(method: string, url: string, answer: Answer): string[] | undefined {
  const path = new URL(url, 'http://api.invalid').pathname;
  const match = OPERATIONS.find((op) => op.method === method.toUpperCase() && op.pattern.test(path));
  if (!match) return undefined;
  const { operation, template } = match;
  const where = `${match.method} ${template} (${operation.operationId})`;
  const response = operation.responses[String(answer.status)];
  if (!response) {
    const documented = Object.keys(operation.responses).join(', ');
    return [`${where} answered ${answer.status}, which it does not document (${documented})`];
  }
  const violations: string[] = [];
  for (const [name, declared] of Object.entries(response.headers ?? {})) {
    const header = deref<Header>(declared);
    const value = answer.headers.get(name);
    if (value === null) {
      if (header.required) violations.push(`${where} ${answer.status}: header ${name} is missing`);
      continue;
    }
    const validate = validatorOf(header.schema);
    if (!validate(headerValue(value, header.schema)))
      violations.push(`${where} ${answer.status}: header ${name} "${value}": ${describeErrors(validate)}`);
  }
  const mediaType = answer.headers.get('content-type')?.split(';')[0]!.trim();
  if (!response.content) {
    if (answer.body !== '') violations.push(`${where} ${answer.status}: a body where none is documented`);
    return violations;
  }
  const media = mediaType === undefined ? undefined : response.content[mediaType];
  if (!media) {
    const documented = Object.keys(response.content).join(', ');
    violations.push(`${where} ${answer.status}: content-type ${mediaType ?? '(none)'}, not ${documented}`);
    return violations;
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    violations.push(`${where} ${answer.status}: the body is not JSON: ${answer.body.slice(0, 200)}`);
    return violations;
  }
  const validate = validatorOf(media.schema);
  if (!validate(body)) violations.push(`${where} ${answer.status}: body ${describeErrors(validate)}`);
  return violations;
}

export class ContractViolation extends Error {}

/** Fails when an answer of an operation differs from the document. */
export function assertContract(method: string, url: string, answer: Answer): void {
  const violations = contractViolations(method, url, answer);
  if (violations?.length) {
    throw new ContractViolation(
      `The answer differs from apps/api/openapi.json:\n  ${violations.join('\n  ')}\nBody: ${answer.body.slice(0, 2_000)}`,
    );
  }
}

/** fetch, with every answer of an api operation checked against the document. */
export async function checkedFetch(input: Request | string | URL, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const response = await fetch(request);
  const body = await response.clone().text();
  assertContract(request.method, request.url, { status: response.status, headers: response.headers, body });
  return response;
}
