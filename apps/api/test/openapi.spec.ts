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
      const key = post.parameters.find((p: { name: string }) => p.name === 'Idempotency-Key');
      expect({ path, required: key?.required }).toEqual({ path, required: true });
      expect(post.responses['400'].content['application/problem+json'].schema).toEqual({
        $ref: '#/components/schemas/Problem',
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
