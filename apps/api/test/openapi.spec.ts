import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/http/openapi/document';

describe('OpenAPI document', () => {
  const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')) as ReturnType<
    typeof openApiDocument
  >;
  const version = (
    JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
  ).version;

  it('is the committed openapi.json (run `npm run openapi -w @meridian/api` after changing the API)', () => {
    expect(openApiDocument(version)).toEqual(committed);
  });

  it('is OpenAPI 3.1, requires an Idempotency-Key on every money-moving POST, and describes errors as problems', () => {
    expect(committed.openapi).toBe('3.1.0');
    for (const [path, item] of Object.entries(committed.paths)) {
      const post = (item as Record<string, any>).post;
      if (!post) continue;
      expect({ path, parameters: post.parameters }).toEqual({
        path,
        parameters: expect.arrayContaining([{ $ref: '#/components/parameters/IdempotencyKey' }]),
      });
      expect(post.responses['400'].content['application/problem+json'].schema).toEqual({
        $ref: '#/components/schemas/Problem',
      });
    }
  });

  it('declares the Idempotency-Key header as required, in the form the api accepts', () => {
    expect(committed.components.parameters.IdempotencyKey).toMatchObject({
      name: 'Idempotency-Key',
      in: 'header',
      required: true,
    });
  });

  it('keeps every operationId (generated clients name their methods after them)', () => {
    const ids = Object.values(committed.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId: string }>).map((op) => op.operationId),
    );
    expect(ids.sort()).toEqual([
      'createAccount',
      'createTransfer',
      'createTransferBatch',
      'getAccount',
      'getSettlement',
      'getTransfer',
      'listAccountTransfers',
      'listAccounts',
      'listSettlements',
      'postPendingTransfer',
      'voidPendingTransfer',
    ]);
  });

  it('marks the bodies of post and void optional, as those routes take none as an empty one, and every other body required', () => {
    const bodies = Object.values(committed.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId: string; requestBody?: { required: boolean } }>)
        .filter((operation) => operation.requestBody)
        .map((operation) => [operation.operationId, operation.requestBody!.required]),
    );
    expect(Object.fromEntries(bodies)).toEqual({
      createAccount: true,
      createTransfer: true,
      createTransferBatch: true,
      postPendingTransfer: false,
      voidPendingTransfer: false,
    });
  });

  it('gives every money field its format, in requests as in responses: each amount and currency property has a pattern', () => {
    const schemas = (
      committed as unknown as { components: { schemas: Record<string, { properties?: object }> } }
    ).components.schemas;
    const moneyFields = Object.entries(schemas).flatMap(([name, schema]) =>
      Object.entries(schema.properties ?? {})
        .filter(([field]) => field === 'amount' || field === 'currency')
        .map(([field, property]) => ({
          field: `${name}.${field}`,
          pattern: (property as { pattern?: string }).pattern,
        })),
    );
    expect(moneyFields.length).toBeGreaterThan(4);
    expect(moneyFields.filter((f) => f.pattern === undefined)).toEqual([]);
  });

  it('refers only to what the document holds: no $defs, every $ref a component that exists', () => {
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === '$defs') throw new Error('a $defs is left in the document');
          if (key === '$ref') refs.push(inner as string);
          else walk(inner);
        }
      }
    };
    walk(committed);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const [, section, name] = /^#\/components\/(schemas|parameters|headers)\/(\w[\w-]*)$/.exec(ref) ?? [];
      expect({
        ref,
        found: section !== undefined && name! in (committed.components as any)[section],
      }).toEqual({
        ref,
        found: true,
      });
    }
  });

  it('names the internal service an operation calls in its 502 and 503 problems: settlement for /v1/settlements, the ledger elsewhere', () => {
    for (const [path, item] of Object.entries(committed.paths)) {
      const callee = path.startsWith('/v1/settlements') ? 'settlement' : 'ledger';
      for (const operation of Object.values(item as Record<string, any>)) {
        expect({
          path,
          descriptions: [operation.responses['502'].description, operation.responses['503'].description],
        }).toEqual({
          path,
          descriptions: [
            expect.stringContaining(`\`${callee}-error\``),
            expect.stringContaining(`\`${callee}-unavailable\``),
          ],
        });
      }
    }
  });
});
