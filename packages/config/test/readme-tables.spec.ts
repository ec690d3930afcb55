import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  appConfigSchema,
  appConfigSchemas,
  envTableOf,
  fieldsOf,
  integer,
  secret,
  url,
  withCurrentEnvTables,
} from '../src';

const schema = z.object({
  QUEUE_URL: secret(url(['redis']).describe('Where the queue is (secret; or QUEUE_URL_FILE).')),
  BATCH_SIZE: integer({ min: 1, max: 10, default: 5 }).describe('Items per batch.'),
});

const readme = [
  '# Service',
  '<!-- env-table:worker:start -->',
  'stale',
  '<!-- env-table:worker:end -->',
  'after',
].join('\n');

describe('withCurrentEnvTables', () => {
  it("rewrites only the text between a service's markers, from its schema, and is then a fixed point", () => {
    const current = withCurrentEnvTables(readme, new Map([['worker', schema]]));
    expect(envTableOf(current, 'worker')).toBe(
      [
        '| Variable | Default | Meaning |',
        '| --- | --- | --- |',
        '| `QUEUE_URL` (or `QUEUE_URL_FILE`) | required | Where the queue is (secret; or QUEUE_URL_FILE). |',
        '| `BATCH_SIZE` | `5` | Items per batch. |',
      ].join('\n'),
    );
    expect(current.startsWith('# Service\n')).toBe(true);
    expect(current.endsWith('\nafter')).toBe(true);
    expect(withCurrentEnvTables(current, new Map([['worker', schema]]))).toBe(current);
  });

  it('fails naming the service whose markers the README lacks', () => {
    expect(() => withCurrentEnvTables(readme, new Map([['mailer', schema]]))).toThrow(
      'README lacks the mailer env-table markers',
    );
  });
});

describe('appConfigSchemas', () => {
  const root = mkdtempSync(join(tmpdir(), 'meridian-apps-'));
  const app = (name: string, manifest: object, configModule?: string) => {
    mkdirSync(join(root, 'apps', name, 'dist'), { recursive: true });
    writeFileSync(join(root, 'apps', name, 'package.json'), JSON.stringify(manifest));
    if (configModule !== undefined)
      writeFileSync(join(root, 'apps', name, 'dist', 'config.js'), configModule);
  };
  const zod = JSON.stringify(require.resolve('zod'));
  app(
    'worker',
    { exports: { './config': './dist/config.js' } },
    `exports.configSchema = require(${zod}).z.object({ WORKER_THREADS: require(${zod}).z.string() });`,
  );
  app('tool', { main: 'dist/main.js' });

  it('finds the schema of every app that exports ./config, by folder name, and skips the others', () => {
    const schemas = appConfigSchemas(root);
    expect([...schemas.keys()]).toEqual(['worker']);
    expect(Object.keys(fieldsOf(schemas.get('worker')!))).toEqual(['WORKER_THREADS']);
  });

  it('says to build an app whose config module is not built yet', () => {
    app('mailer', { exports: { './config': './dist/config.js' } });
    expect(() => appConfigSchema(root, 'mailer')).toThrow(/build mailer first/);
  });
});
