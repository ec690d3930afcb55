import {
  accountRepresentation as account,
  identifier,
  transferRepresentation as transfer,
} from '@meridian/ledger-contract';
import type { z } from 'zod';
import { ledgerTarget, settlementTarget } from '../../config';
import {
  batchTransfersRequest,
  createAccountRequest,
  createTransferRequest,
  listQuery,
  postPendingRequest,
  settlementBatchId,
  voidPendingRequest,
} from '../requests';
import { type JsonSchema, SchemaComponents } from './components';
import {
  accountExample,
  accountPageExample,
  batchResultsExample,
  postedExample,
  requestExamples,
  settlementBatchExample,
  settlementListExample,
  transferExample,
  transferPageExample,
  voidedExample,
} from './examples';
import { calleeProblems, PROBLEMS, type ProblemExample, type ProblemSlug } from './problems';
import { accountPage, batchResults, problem, settlementBatch, settlementList, transferPage } from './schemas';

type Tag = 'Accounts' | 'Transfers' | 'Settlements';

const TAGS: { name: Tag; description: string }[] = [
  { name: 'Accounts', description: 'Accounts of the tenant, with their balances in minor units.' },
  {
    name: 'Transfers',
    description:
      'Money moved or reserved between accounts: immutable, idempotent by id and by Idempotency-Key.',
  },
  { name: 'Settlements', description: 'Net settlements between tenants, closed at each cut-off.' },
];

interface Success {
  description: string;
  schema: z.ZodType;
  example: unknown;
  /** The answer names the resource it created or found in Location. */
  location?: true;
}

interface Operation {
  /** Stable: generated clients name their methods after it. Never change one. */
  operationId: string;
  tag: Tag;
  method: 'get' | 'post';
  path: string;
  summary: string;
  scope: 'read' | 'write';
  /** A POST that creates or moves money: it needs an Idempotency-Key and replays. */
  idempotent?: true;
  /** Its body; `optional` when the route takes none as an empty one (`ValidBody(..., { absentAs: {} })`). */
  request?: { schema: z.ZodType; name: string; example: unknown; optional?: true };
  /** The internal service it calls: its failures are problems named after it. */
  callee: { name: string; title: string };
  /** The path parameter `id`, as the route validates it. */
  id?: z.ZodType;
  /** Paginated: `limit` and `cursor` in the query. */
  paginated?: true;
  responses: Partial<Record<200 | 201, Success>>;
  /** The problems of this operation besides those every operation of its kind has. */
  problems: ProblemSlug[];
  /** What a 404 means here. */
  notFound?: string;
}

const SINGLE_TRANSFER_PROBLEMS: ProblemSlug[] = [
  'transfer-id-conflict',
  'transfer-id-already-failed',
  'insufficient-funds',
  'credit-limit-exceeded',
  'balance-overflow',
];

/** Every public operation; the document is generated from this list and the request validators. */
export const OPERATIONS: Operation[] = [
  {
    operationId: 'createAccount',
    tag: 'Accounts',
    method: 'post',
    path: '/v1/accounts',
    callee: ledgerTarget,
    summary: 'Create an account',
    scope: 'write',
    idempotent: true,
    request: {
      schema: createAccountRequest,
      name: 'CreateAccountRequest',
      example: requestExamples.createAccount,
    },
    responses: {
      201: { description: 'Created.', schema: account, example: accountExample, location: true },
      200: {
        description: 'It existed with the same fields.',
        schema: account,
        example: accountExample,
        location: true,
      },
    },
    problems: ['account-id-conflict'],
  },
  {
    operationId: 'listAccounts',
    tag: 'Accounts',
    method: 'get',
    path: '/v1/accounts',
    callee: ledgerTarget,
    summary: 'List accounts (oldest first)',
    scope: 'read',
    paginated: true,
    responses: {
      200: { description: 'A page of accounts.', schema: accountPage, example: accountPageExample },
    },
    problems: [],
  },
  {
    operationId: 'getAccount',
    tag: 'Accounts',
    method: 'get',
    path: '/v1/accounts/{id}',
    callee: ledgerTarget,
    summary: 'Get an account with its balances',
    scope: 'read',
    id: identifier,
    responses: { 200: { description: 'The account.', schema: account, example: accountExample } },
    problems: ['account-not-found'],
    notFound: 'No such account.',
  },
  {
    operationId: 'listAccountTransfers',
    tag: 'Accounts',
    method: 'get',
    path: '/v1/accounts/{id}/transfers',
    callee: ledgerTarget,
    summary: "List an account's transfers (newest first)",
    scope: 'read',
    id: identifier,
    paginated: true,
    responses: {
      200: { description: 'A page of transfers.', schema: transferPage, example: transferPageExample },
    },
    problems: ['account-not-found'],
    notFound: 'No such account.',
  },
  {
    operationId: 'createTransfer',
    tag: 'Transfers',
    method: 'post',
    path: '/v1/transfers',
    callee: ledgerTarget,
    summary: 'Move or reserve money',
    scope: 'write',
    idempotent: true,
    request: {
      schema: createTransferRequest,
      name: 'CreateTransferRequest',
      example: requestExamples.createTransfer,
    },
    responses: {
      201: { description: 'Created.', schema: transfer, example: transferExample, location: true },
      200: {
        description: 'It existed with the same fields.',
        schema: transfer,
        example: transferExample,
        location: true,
      },
    },
    problems: [
      'account-not-found',
      ...SINGLE_TRANSFER_PROBLEMS,
      'external-credit-refused',
      'currency-mismatch',
    ],
    notFound: 'An account does not exist.',
  },
  {
    operationId: 'createTransferBatch',
    tag: 'Transfers',
    method: 'post',
    path: '/v1/transfers/batch',
    callee: ledgerTarget,
    summary: 'Create up to 1000 transfers in order, one result each',
    scope: 'write',
    idempotent: true,
    request: {
      schema: batchTransfersRequest,
      name: 'CreateTransferBatchRequest',
      example: requestExamples.createTransferBatch,
    },
    responses: {
      200: {
        description: 'One result per transfer; a refused transfer is a result, not an error.',
        schema: batchResults,
        example: batchResultsExample,
      },
    },
    problems: [],
  },
  {
    operationId: 'getTransfer',
    tag: 'Transfers',
    method: 'get',
    path: '/v1/transfers/{id}',
    callee: ledgerTarget,
    summary: 'Get a transfer',
    scope: 'read',
    id: identifier,
    responses: { 200: { description: 'The transfer.', schema: transfer, example: transferExample } },
    problems: ['transfer-not-found'],
    notFound: 'No such transfer.',
  },
  {
    operationId: 'postPendingTransfer',
    tag: 'Transfers',
    method: 'post',
    path: '/v1/transfers/{id}/post',
    callee: ledgerTarget,
    summary: 'Post (complete) a pending transfer, for its amount or less',
    scope: 'write',
    idempotent: true,
    id: identifier,
    request: {
      schema: postPendingRequest,
      name: 'PostPendingTransferRequest',
      optional: true,
      example: requestExamples.postPendingTransfer,
    },
    responses: {
      201: { description: 'Posted.', schema: transfer, example: postedExample, location: true },
      200: {
        description: 'The post existed with the same fields.',
        schema: transfer,
        example: postedExample,
        location: true,
      },
    },
    problems: [
      'transfer-not-found',
      'pending-transfer-resolved',
      ...SINGLE_TRANSFER_PROBLEMS,
      'exceeds-pending-amount',
    ],
    notFound: 'No such pending transfer.',
  },
  {
    operationId: 'voidPendingTransfer',
    tag: 'Transfers',
    method: 'post',
    path: '/v1/transfers/{id}/void',
    callee: ledgerTarget,
    summary: 'Void (cancel) a pending transfer',
    scope: 'write',
    idempotent: true,
    id: identifier,
    request: {
      schema: voidPendingRequest,
      name: 'VoidPendingTransferRequest',
      optional: true,
      example: requestExamples.voidPendingTransfer,
    },
    responses: {
      201: { description: 'Voided.', schema: transfer, example: voidedExample, location: true },
      200: {
        description: 'The void existed with the same fields.',
        schema: transfer,
        example: voidedExample,
        location: true,
      },
    },
    problems: ['transfer-not-found', 'pending-transfer-resolved', ...SINGLE_TRANSFER_PROBLEMS],
    notFound: 'No such pending transfer.',
  },
  {
    operationId: 'listSettlements',
    tag: 'Settlements',
    method: 'get',
    path: '/v1/settlements',
    callee: settlementTarget,
    summary: "The settlement batches the caller's tenant took part in (newest first)",
    scope: 'read',
    responses: { 200: { description: 'Batches.', schema: settlementList, example: settlementListExample } },
    problems: [],
  },
  {
    operationId: 'getSettlement',
    tag: 'Settlements',
    method: 'get',
    path: '/v1/settlements/{id}',
    callee: settlementTarget,
    summary: "A settlement batch: the tenant's net positions and the instructions it pays or receives",
    scope: 'read',
    id: settlementBatchId,
    responses: {
      200: { description: 'The batch.', schema: settlementBatch, example: settlementBatchExample },
    },
    problems: ['batch-not-found'],
    notFound: 'No such batch for this tenant.',
  },
];

/** What each error status means, whatever the operation. */
const ERROR_STATUS: Record<number, string> = {
  400: 'The request is not valid; `detail` says what to fix, and `errors` names each bad field.',
  401: 'Missing or invalid API key.',
  403: 'The key lacks the scope.',
  409: 'A conflict with a request in progress or with what exists.',
  413: 'The body exceeds the size limit.',
  414: 'A path parameter is far longer than any valid one.',
  415: 'The body is not `application/json`.',
  422: 'Understood, but refused: a business rule, or an Idempotency-Key used for another request.',
  429: 'Too many requests, or too many in progress; come back after Retry-After.',
  502: 'The internal service called answered with an error of its own.',
  503: 'The internal service called is slow, down or saturated; retry after Retry-After.',
};

/** The problems every operation can answer, then those of its kind. */
function problemsOf(op: Operation): ProblemSlug[] {
  return [
    'validation-failed',
    'unauthorized',
    'forbidden',
    'rate-limited',
    'tenant-concurrency-exceeded',
    'authentication-rate-limited',
    `${op.callee.name}-error`,
    `${op.callee.name}-unavailable`,
    ...(op.id ? (['uri-too-long'] as const) : []),
    ...(op.request ? (['malformed-json', 'payload-too-large', 'unsupported-media-type'] as const) : []),
    ...(op.idempotent
      ? ([
          'idempotency-key-missing',
          'idempotency-key-invalid',
          'idempotency-key-in-flight',
          'idempotency-key-reused',
          'idempotency-budget-exhausted',
          'idempotency-store-unavailable',
        ] as const)
      : []),
    ...op.problems,
  ];
}

const header = (description: string, schema: JsonSchema, required = false) => ({
  description,
  ...(required ? { required: true } : {}),
  schema,
});

/** Response headers, defined once under components.headers. */
const HEADERS = {
  'RateLimit-Limit': header('Requests the tenant may make in the window (RATE_LIMIT_REQUESTS).', {
    type: 'integer',
    minimum: 1,
  }),
  'RateLimit-Remaining': header('Requests left in the current window.', { type: 'integer', minimum: 0 }),
  'RateLimit-Reset': header('Seconds until the window starts again.', { type: 'integer', minimum: 0 }),
  'Retry-After': header('Seconds to wait before retrying.', { type: 'integer', minimum: 1 }),
  'Idempotent-Replayed': header(
    'Present (`true`) when this is the stored answer to an earlier request with the same Idempotency-Key.',
    { type: 'string', enum: ['true'] },
  ),
  Location: header('Where the resource is read.', { type: 'string', format: 'uri-reference' }, true),
  'WWW-Authenticate': header('The authentication scheme: Bearer.', { type: 'string' }, true),
};

type HeaderName = keyof typeof HEADERS;
const headerRef = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });
const RATE_LIMIT: HeaderName[] = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/**
 * The headers of an answer. Rate-limit headers come with every answer once the key is verified (not with
 * 401, 403, nor with 413, 414 and 415, which are answered before); an idempotent operation may replay any answer
 * but those of validation, authentication and admission.
 */
function responseHeaders(op: Operation, status: number, location: boolean) {
  const names: HeaderName[] = [];
  if (![401, 403, 413, 414, 415].includes(status)) names.push(...RATE_LIMIT);
  if ([409, 429, 503].includes(status)) names.push('Retry-After');
  if (op.idempotent && ![400, 401, 403, 413, 415, 429, 503].includes(status))
    names.push('Idempotent-Replayed');
  if (location) names.push('Location');
  if (status === 401) names.push('WWW-Authenticate');
  return names.length ? { headers: Object.fromEntries(names.map((name) => [name, headerRef(name)])) } : {};
}

const problemExample = (slug: string, example: ProblemExample, instance: string) => ({
  summary: example.title,
  value: {
    type: `https://meridian.dev/problems/${slug}`,
    title: example.title,
    status: example.status,
    detail: example.detail,
    instance,
    ...example.extensions,
  },
});

/** An example path for `instance`: the template with example ids. */
const instanceOf = (path: string) =>
  path.replace('{id}', path.startsWith('/v1/settlements') ? settlementBatchExample.id : 'wallet');

/** The OpenAPI 3.1 document of the public API. */
export function openApiDocument(version: string) {
  const components = new SchemaComponents();
  const problemRef = components.use(problem, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters: unknown[] = [];
    if (op.id)
      parameters.push({ name: 'id', in: 'path', required: true, schema: components.use(op.id, 'input') });
    if (op.paginated) {
      const query = components.use(listQuery, 'input') as { properties: Record<string, JsonSchema> };
      parameters.push({
        name: 'limit',
        in: 'query',
        description: 'Items per page, 1 to 1000 (100 when not given).',
        schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      });
      parameters.push({
        name: 'cursor',
        in: 'query',
        description: 'nextCursor of the previous page',
        schema: query.properties.cursor,
      });
    }
    if (op.idempotent) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });

    const responses: Record<string, unknown> = {};
    for (const [status, success] of Object.entries(op.responses)) {
      responses[status] = {
        description: success.description,
        ...responseHeaders(op, Number(status), success.location === true),
        content: {
          'application/json': {
            schema: components.use(success.schema, 'output'),
            example: success.example,
          },
        },
      };
    }
    const byStatus = new Map<number, [string, ProblemExample][]>();
    const callee = calleeProblems(op.callee.name, op.callee.title);
    for (const slug of problemsOf(op)) {
      const example = (PROBLEMS as Record<string, ProblemExample>)[slug] ?? callee[slug];
      if (!example) throw new Error(`${op.operationId}: no problem type "${slug}"`);
      byStatus.set(example.status, [...(byStatus.get(example.status) ?? []), [slug, example]]);
    }
    for (const [status, examples] of [...byStatus].sort(([a], [b]) => a - b)) {
      const description = status === 404 ? op.notFound : ERROR_STATUS[status];
      if (!description) throw new Error(`${op.operationId}: no description of status ${status}`);
      const types = examples.map(([slug]) => `\`${slug}\``).join(', ');
      responses[String(status)] = {
        description: `${description} Problem types: ${types}.`,
        ...responseHeaders(op, status, false),
        content: {
          'application/problem+json': {
            schema: problemRef,
            examples: Object.fromEntries(
              examples.map(([slug, example]) => [slug, problemExample(slug, example, instanceOf(op.path))]),
            ),
          },
        },
      };
    }

    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      tags: [op.tag],
      summary: op.summary,
      security: [{ apiKey: [op.scope] }],
      ...(parameters.length ? { parameters } : {}),
      ...(op.request
        ? {
            requestBody: {
              required: !op.request.optional,
              content: {
                'application/json': {
                  schema: components.use(op.request.schema, 'input', op.request.name),
                  example: op.request.example,
                },
              },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Meridian API',
      version,
      description:
        'Accounts and transfers between them. Money is integer minor units as decimal strings. Errors are RFC 9457 ' +
        'problem details (`application/problem+json`) whose `type` never changes. Every POST that creates or moves ' +
        'money needs an `Idempotency-Key`: resend it unchanged to retry, and the first answer is replayed.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/', description: 'Where this document is served' }],
    tags: TAGS,
    security: [{ apiKey: [] }],
    paths,
    components: {
      schemas: components.all(),
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: true,
          description:
            'Unique per request (e.g. a UUID); resend it unchanged to retry. Kept at least 24 h (IETF Idempotency-Key draft).',
          schema: { type: 'string', pattern: '^[!-~]{1,255}$' },
          example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
        },
      },
      headers: HEADERS,
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key, `mk_<id>_<secret>`, with the scopes `read` and/or `write`.',
        },
      },
    },
  };
}
