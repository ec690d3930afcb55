/** Scratch git repositories holding scratch OpenAPI documents, for the check's own tests. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const DOCUMENT = 'apps/api/openapi.json';

/** oasdiff as scripts/ensure-oasdiff.sh exports it. */
export function oasdiff(): string {
  const path = process.env.MERIDIAN_OASDIFF;
  if (!path)
    throw new Error(
      'MERIDIAN_OASDIFF is not set: run `. scripts/ensure-oasdiff.sh` first (./meridian test does)',
    );
  return path;
}

/** A git repository in a temporary folder, with the machine's git configuration out of the way. */
export class ScratchRepository {
  readonly path = mkdtempSync(join(tmpdir(), 'meridian-api-compat-test-'));

  /** A new repository, or (`init: false`) an empty folder to clone into. */
  constructor({ init = true } = {}) {
    if (init) this.git('init', '--quiet', '--initial-branch', 'main');
  }

  git(...args: string[]): string {
    return execFileSync(
      'git',
      ['-c', 'user.name=Meridian test', '-c', 'user.email=test@meridian.invalid', ...args],
      {
        cwd: this.path,
        encoding: 'utf8',
        env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
      },
    );
  }

  /** Writes the files (paths from the top) and commits them. */
  commit(files: Record<string, string>, message: string): this {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(this.path, path)), { recursive: true });
      writeFileSync(join(this.path, path), text);
    }
    this.git('add', '--all');
    this.git('commit', '--quiet', '--allow-empty', '--message', message);
    return this;
  }

  /** The document as the api's is committed: JSON, two spaces, a final newline. */
  commitDocument(document: OpenApiDocument, message = `api ${document.info.version}`): this {
    return this.commit({ [DOCUMENT]: `${JSON.stringify(document, null, 2)}\n` }, message);
  }

  /** A release tag, annotated as `git tag -a` makes them (lightweight with `annotated: false`). */
  tag(name: string, { annotated = true } = {}): this {
    if (annotated) this.git('tag', '--annotate', name, '--message', `Release ${name}`);
    else this.git('tag', name);
    return this;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, any> };
};

const ok = (schema: string) => ({
  description: 'OK',
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
});

/**
 * A small api in the api document's style: an account read (whose response has
 * a required `balance`) and a transfer list. Each test edits a fresh copy.
 */
export function scratchApi(version: string): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: { title: 'Scratch API', version },
    paths: {
      '/v1/accounts/{id}': {
        get: {
          operationId: 'getAccount',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': ok('Account') },
        },
      },
      '/v1/transfers': {
        get: { operationId: 'listTransfers', responses: { '200': ok('TransferPage') } },
      },
    },
    components: {
      schemas: {
        Account: {
          type: 'object',
          required: ['id', 'currency', 'balance'],
          properties: {
            id: { type: 'string' },
            currency: { type: 'string', pattern: '^[A-Z]{3}$' },
            balance: { type: 'string', description: 'Minor units, as a decimal string.' },
          },
        },
        TransferPage: {
          type: 'object',
          required: ['items'],
          properties: { items: { type: 'array', items: { type: 'object' } } },
        },
      },
    },
  };
}
