import {
  accountRepresentation as account,
  transferRepresentation as transfer,
} from '@meridian/ledger-contract';
import { z } from 'zod';
import { ledgerTarget, settlementTarget } from '../../config';
import {
  batchTransfersRequest,
  createAccountRequest,
  createTransferRequest,
  postPendingRequest,
  voidPendingRequest,
} from '../requests';
import { batchResults, problem, settlementBatch, settlementList } from './schemas';

interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  scope: 'read' | 'write';
  idempotent?: boolean;
  request?: z.ZodType;
  /** The internal service it calls: its failures are problems named after it. */
  callee: { name: string; title: string };
  responses: Record<number, { description: string; schema?: z.ZodType; pageOf?: z.ZodType }>;
  parameters?: ('id' | 'page')[];
}

const problems = {
  400: { description: 'The request is not valid; `errors` names each field.', schema: problem },
  401: { description: 'Missing or invalid API key.', schema: problem },
  403: { description: 'The key lacks the scope.', schema: problem },
  429: { description: 'Rate limited; see Retry-After and RateLimit-*.', schema: problem },
};

/** What an operation answers when the internal service it calls fails (docs/problems.md). */
const calleeProblems = (op: Operation) => {
  const { name, title } = op.callee;
  const retry = op.idempotent
    ? 'retry after Retry-After with the same Idempotency-Key'
    : 'retry after Retry-After';
  return {
    502: {
      description: `\`${name}-error\`: the ${title} answered with an error of its own.`,
      schema: problem,
    },
    503: {
      description: `\`${name}-unavailable\`: the ${title} is slow, down or saturated; ${retry}.`,
      schema: problem,
    },
  };
};
const idempotencyProblems = {
  409: { description: 'The same Idempotency-Key is in flight, or the id conflicts.', schema: problem },
  422: {
    description: 'The Idempotency-Key was used for another request, or a business rule refused it.',
    schema: problem,
  },
};

/** Every public operation; the document is generated from this list and the request validators. */
export const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/v1/accounts',
    callee: ledgerTarget,
    summary: 'Create an account',
    scope: 'write',
    idempotent: true,
    request: createAccountRequest,
    responses: {
      201: { description: 'Created.', schema: account },
      200: { description: 'It existed with the same fields.', schema: account },
    },
  },
  {
    method: 'get',
    path: '/v1/accounts',
    callee: ledgerTarget,
    summary: 'List accounts (oldest first)',
    scope: 'read',
    parameters: ['page'],
    responses: { 200: { description: 'A page of accounts.', pageOf: account } },
  },
  {
    method: 'get',
    path: '/v1/accounts/{id}',
    callee: ledgerTarget,
    summary: 'Get an account with its balances',
    scope: 'read',
    parameters: ['id'],
    responses: {
      200: { description: 'The account.', schema: account },
      404: { description: 'No such account.', schema: problem },
    },
  },
  {
    method: 'get',
    path: '/v1/accounts/{id}/transfers',
    callee: ledgerTarget,
    summary: "List an account's transfers (newest first)",
    scope: 'read',
    parameters: ['id', 'page'],
    responses: {
      200: { description: 'A page of transfers.', pageOf: transfer },
      404: { description: 'No such account.', schema: problem },
    },
  },
  {
    method: 'post',
    path: '/v1/transfers',
    callee: ledgerTarget,
    summary: 'Move or reserve money',
    scope: 'write',
    idempotent: true,
    request: createTransferRequest,
    responses: {
      201: { description: 'Created.', schema: transfer },
      200: { description: 'It existed with the same fields.', schema: transfer },
      404: { description: 'An account does not exist.', schema: problem },
    },
  },
  {
    method: 'post',
    path: '/v1/transfers/batch',
    callee: ledgerTarget,
    summary: 'Create up to 1000 transfers in order, one result each',
    scope: 'write',
    idempotent: true,
    request: batchTransfersRequest,
    responses: { 200: { description: 'One result per transfer.', schema: batchResults } },
  },
  {
    method: 'get',
    path: '/v1/transfers/{id}',
    callee: ledgerTarget,
    summary: 'Get a transfer',
    scope: 'read',
    parameters: ['id'],
    responses: {
      200: { description: 'The transfer.', schema: transfer },
      404: { description: 'No such transfer.', schema: problem },
    },
  },
  {
    method: 'post',
    path: '/v1/transfers/{id}/post',
    callee: ledgerTarget,
    summary: 'Post (complete) a pending transfer, for its amount or less',
    scope: 'write',
    idempotent: true,
    parameters: ['id'],
    request: postPendingRequest,
    responses: { 201: { description: 'Posted.', schema: transfer } },
  },
  {
    method: 'post',
    path: '/v1/transfers/{id}/void',
    callee: ledgerTarget,
    summary: 'Void (cancel) a pending transfer',
    scope: 'write',
    idempotent: true,
    parameters: ['id'],
    request: voidPendingRequest,
    responses: { 201: { description: 'Voided.', schema: transfer } },
  },
  {
    method: 'get',
    path: '/v1/settlements',
    callee: settlementTarget,
    summary: "The settlement batches the caller's tenant took part in (newest first)",
    scope: 'read',
    responses: { 200: { description: 'Batches.', schema: settlementList } },
  },
  {
    method: 'get',
    path: '/v1/settlements/{id}',
    callee: settlementTarget,
    summary: "A settlement batch: the tenant's net positions and the instructions it pays or receives",
    scope: 'read',
    parameters: ['id'],
    responses: {
      200: { description: 'The batch.', schema: settlementBatch },
      404: { description: 'No such batch for this tenant.', schema: problem },
    },
  },
];

type Response = { description: string; schema?: z.ZodType; pageOf?: z.ZodType };

const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });

/** Response shapes defined once, under components.schemas, and referred to. */
const COMPONENTS = new Map<z.ZodType, string>([
  [account, 'Account'],
  [transfer, 'Transfer'],
  [batchResults, 'BatchResults'],
  [problem, 'Problem'],
  [settlementBatch, 'SettlementBatch'],
]);

const ref = (schema: z.ZodType) => {
  const name = COMPONENTS.get(schema);
  return name ? { $ref: `#/components/schemas/${name}` } : jsonSchema(schema);
};

const pageSchema = (item: z.ZodType) => ({
  type: 'object',
  required: ['data', 'nextCursor'],
  properties: { data: { type: 'array', items: ref(item) }, nextCursor: { type: ['string', 'null'] } },
});

function componentSchemas() {
  const schemas: Record<string, unknown> = {};
  for (const [schema, name] of COMPONENTS) {
    const { $schema: _, ...body } = jsonSchema(schema) as Record<string, unknown>;
    schemas[name] = body;
  }
  return schemas;
}

/** The OpenAPI 3.1 document of the public API. */
export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters: unknown[] = [];
    if (op.parameters?.includes('id'))
      parameters.push({ name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 64 } });
    if (op.parameters?.includes('page')) {
      parameters.push({
        name: 'limit',
        in: 'query',
        schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      });
      parameters.push({
        name: 'cursor',
        in: 'query',
        schema: { type: 'string' },
        description: 'nextCursor of the previous page',
      });
    }
    if (op.idempotent) {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: true,
        schema: { type: 'string', minLength: 1, maxLength: 255 },
        description: 'Unique per request; resend it unchanged to retry. Kept at least 24 h.',
      });
    }
    const responses: Record<string, unknown> = {};
    const all: Record<string, Response> = {
      ...op.responses,
      ...problems,
      ...calleeProblems(op),
      ...(op.idempotent ? idempotencyProblems : {}),
    };
    for (const [status, response] of Object.entries(all)) {
      const mediaType = Number(status) >= 400 ? 'application/problem+json' : 'application/json';
      const schema = response.pageOf
        ? pageSchema(response.pageOf)
        : response.schema
          ? ref(response.schema)
          : undefined;
      responses[status] = {
        description: response.description,
        ...(schema ? { content: { [mediaType]: { schema } } } : {}),
      };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      security: [{ apiKey: [op.scope] }],
      ...(parameters.length ? { parameters } : {}),
      ...(op.request
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(op.request) } },
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
        'Accounts and transfers. Money is integer minor units as decimal strings. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: '/' }],
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: mk_<id>_<secret>' },
      },
    },
    paths,
  };
}
