import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkApiCompatibility } from '../src/check';
import { DOCUMENT, oasdiff, scratchApi, ScratchRepository, type OpenApiDocument } from './support/scratch';

const CLI = join(__dirname, '..', 'dist', 'cli.js');

/** The api at `version` without the required `balance` of its account response. */
function withoutBalance(version: string): OpenApiDocument {
  const document = scratchApi(version);
  const account = document.components.schemas.Account;
  delete account.properties.balance;
  account.required = ['id', 'currency'];
  return document;
}

/** The api at `version` without its transfer list operation. */
function withoutTransferList(version: string): OpenApiDocument {
  const document = scratchApi(version);
  delete document.paths['/v1/transfers'];
  return document;
}

/** The api at `version` with a new optional response field and a new operation: nothing a client relies on changes. */
function withAdditions(version: string): OpenApiDocument {
  const document = scratchApi(version);
  document.components.schemas.Account.properties.name = { type: 'string' };
  document.paths['/v1/settlements'] = {
    get: { operationId: 'listSettlements', responses: { '200': { description: 'OK' } } },
  };
  return document;
}

/** The api at `version` with its account operation under `tag`. */
function withAccountTag(version: string, tag: string): OpenApiDocument {
  const document = scratchApi(version);
  (document.paths['/v1/accounts/{id}']!.get as { tags?: string[] }).tags = [tag];
  return document;
}

/** The api at `version` whose account operation has another operationId (a generated client's method name). */
function withAccountOperationId(version: string, operationId: string): OpenApiDocument {
  const document = scratchApi(version);
  (document.paths['/v1/accounts/{id}']!.get as { operationId: string }).operationId = operationId;
  return document;
}

/** The api at `version` with its Account schema (a generated client's type name) renamed. */
function withAccountSchemaNamed(version: string, name: string): OpenApiDocument {
  const renamed = JSON.stringify(scratchApi(version)).replaceAll(
    '"#/components/schemas/Account"',
    `"#/components/schemas/${name}"`,
  );
  const document = JSON.parse(renamed) as OpenApiDocument;
  document.components.schemas[name] = document.components.schemas.Account;
  delete document.components.schemas.Account;
  return document;
}

describe('the api compatibility check, on scratch documents in a scratch git repository', () => {
  let repository: ScratchRepository;
  beforeEach(() => {
    repository = new ScratchRepository();
  });
  afterEach(() => repository.remove());

  const check = () =>
    checkApiCompatibility({ repository: repository.path, document: DOCUMENT, oasdiff: oasdiff() });

  /** v1.2.0 released, then `revision` committed on top. */
  const releasedThen = (revision: OpenApiDocument) =>
    repository.commitDocument(scratchApi('1.2.0')).tag('v1.2.0').commitDocument(revision);

  it('passes, saying there is no release to compare with, when no release tag is reachable from HEAD', () => {
    repository.commitDocument(scratchApi('1.2.0')).tag('build-7');
    // A release tag on a branch HEAD does not contain is not HEAD's last release either.
    repository.git('switch', '--quiet', '--create', 'experiment');
    repository.commitDocument(withoutBalance('1.2.0')).tag('v9.0.0');
    repository.git('switch', '--quiet', 'main');
    repository.commitDocument(withoutTransferList('1.2.0'));

    const result = check();

    expect(result.outcome).toEqual({ kind: 'no-release', shallow: false });
    expect(result.passed).toBe(true);
    expect(result.output).toMatch(
      /^PASS: no release tag \(v<semver>, such as v1\.0\.0\) is reachable from HEAD/m,
    );
    expect(result.output).toContain('there is no released apps/api/openapi.json to compare with');
  });

  it('names a shallow clone as a reason the last release may not be seen', () => {
    repository.commitDocument(scratchApi('1.2.0')).tag('v1.2.0').commitDocument(withAdditions('1.3.0'));
    const clone = new ScratchRepository({ init: false });
    try {
      clone.git('clone', '--quiet', '--depth', '1', `file://${repository.path}`, '.');

      const result = checkApiCompatibility({
        repository: clone.path,
        document: DOCUMENT,
        oasdiff: oasdiff(),
      });

      expect(result.outcome).toEqual({ kind: 'no-release', shallow: true });
      expect(result.passed).toBe(true);
      expect(result.output).toContain('This clone is shallow');
      expect(result.output).toContain('git fetch --unshallow --tags');
    } finally {
      clone.remove();
    }
  });

  it('fails on a removed response field when the major version stays, naming the change', () => {
    releasedThen(withoutBalance('1.3.0'));

    const result = check();

    expect(result.passed).toBe(false);
    expect(result.outcome).toEqual({
      kind: 'breaking',
      tag: 'v1.2.0',
      baseVersion: '1.2.0',
      revisionVersion: '1.3.0',
    });
    expect(result.output).toContain('[response-required-property-removed]');
    expect(result.output).toContain('in API GET /v1/accounts/{id}');
    expect(result.output).toContain(
      'removed the required property `balance` from the response with the `200` status',
    );
    expect(result.output).toMatch(
      /^FAIL: breaking changes since v1\.2\.0 \(listed above\) need a new major version, and 1\.3\.0 keeps v1\.2\.0's major 1/m,
    );
    expect(result.output).toContain('release them as 2.0.0');
  });

  it('fails on a removed operation when the version does not change, naming the operation', () => {
    releasedThen(withoutTransferList('1.2.0'));

    const result = check();

    expect(result.passed).toBe(false);
    expect(result.outcome.kind).toBe('breaking');
    expect(result.output).toContain('[api-path-removed-without-deprecation]');
    expect(result.output).toContain('in API GET /v1/transfers');
  });

  it.each([
    ['a removed response field', withoutBalance('2.0.0')],
    ['a removed operation', withoutTransferList('2.0.0')],
  ])('passes %s that comes with a new major version, still listing it', (_change, revision) => {
    releasedThen(revision);

    const result = check();

    expect(result.passed).toBe(true);
    expect(result.outcome).toEqual({
      kind: 'breaking-with-major-bump',
      tag: 'v1.2.0',
      baseVersion: '1.2.0',
      revisionVersion: '2.0.0',
    });
    expect(result.output).toMatch(
      /error\s+\[(response-required-property-removed|api-path-removed-without-deprecation)\]/,
    );
    expect(result.output).toMatch(
      /^PASS: the breaking changes above come with a new major version \(1\.2\.0 in v1\.2\.0, 2\.0\.0 now\)/m,
    );
  });

  it.each([
    [
      'an operationId changed',
      withAccountOperationId('1.2.0', 'getAccount'),
      withAccountOperationId('1.3.0', 'fetchAccount'),
      'api-operation-id-removed',
    ],
    [
      'an operation moved to another tag',
      withAccountTag('1.2.0', 'accounts'),
      withAccountTag('1.3.0', 'ledger'),
      'api-tag-removed',
    ],
    [
      'a component schema renamed',
      scratchApi('1.2.0'),
      withAccountSchemaNamed('1.3.0', 'LedgerAccount'),
      'api-schema-removed',
    ],
  ])(
    'fails on %s in a minor version: generated clients name their methods, classes and types after it',
    (_change, base, revision, rule) => {
      repository.commitDocument(base).tag('v1.2.0').commitDocument(revision);

      const result = check();

      expect(result.passed).toBe(false);
      expect(result.outcome.kind).toBe('breaking');
      expect(result.output).toContain(`[${rule}]`);
    },
  );

  it('passes an additive change (a new optional response field, a new operation) in a minor version', () => {
    releasedThen(withAdditions('1.3.0'));

    const result = check();

    expect(result.outcome).toEqual({
      kind: 'compatible',
      tag: 'v1.2.0',
      baseVersion: '1.2.0',
      revisionVersion: '1.3.0',
    });
    expect(result.passed).toBe(true);
    expect(result.output).toMatch(/^PASS: no breaking change since v1\.2\.0\.$/m);
  });

  it('compares with the last release tag reachable from HEAD, annotated or not', () => {
    repository.commitDocument(scratchApi('1.0.0')).tag('v1.0.0');
    repository.commitDocument(withoutTransferList('2.0.0')).tag('v2.0.0', { annotated: false });
    repository.git('switch', '--quiet', '--create', 'next');
    repository.commitDocument(scratchApi('3.0.0')).tag('v3.0.0');
    repository.git('switch', '--quiet', 'main');
    // Compared with v2.0.0, the work tree only removes the balance: breaking within major 2.
    // (With v1.0.0 it would be a major bump; with v3.0.0, a major decrease.)
    repository.commitDocument({
      ...withoutTransferList('2.1.0'),
      components: withoutBalance('2.1.0').components,
    });

    const result = check();

    expect(result.outcome).toEqual({
      kind: 'breaking',
      tag: 'v2.0.0',
      baseVersion: '2.0.0',
      revisionVersion: '2.1.0',
    });
    expect(result.output).toContain("with v2.0.0's (version 2.0.0)");
    expect(result.output).toContain('[response-required-property-removed]');
    expect(result.output).not.toContain('[api-path-removed-without-deprecation]');
  });

  it('compares with the highest release reachable from HEAD, not the nearest: a merged-back v1 hotfix does not stand in for v2.0.0', () => {
    repository.commitDocument(scratchApi('1.0.0')).tag('v1.0.0');
    // The hotfix branch holds more commits than main does since the branch point, so after the merge
    // the hotfix is strictly the nearer tag (2 commits away against 4), the one `git describe` picks.
    repository.git('switch', '--quiet', '--create', 'release-1');
    repository.commit({ 'FIX.md': 'one\n' }, 'fix').commit({ 'FIX.md': 'two\n' }, 'fix again');
    repository.commitDocument(scratchApi('1.0.1')).tag('v1.0.1');
    repository.git('switch', '--quiet', 'main');
    repository.commitDocument(withoutTransferList('2.0.0')).tag('v2.0.0');
    repository.git('merge', '--quiet', '--no-edit', '--strategy', 'ours', 'release-1');
    expect(repository.git('describe', '--tags', '--abbrev=0').trim()).toBe('v1.0.1');
    repository.commitDocument({
      ...withoutTransferList('2.1.0'),
      components: withoutBalance('2.1.0').components,
    });

    expect(check().outcome).toEqual({
      kind: 'breaking',
      tag: 'v2.0.0',
      baseVersion: '2.0.0',
      revisionVersion: '2.1.0',
    });
  });

  it('skips tags that only look like releases (a moving v1), comparing with the release behind them', () => {
    releasedThen(withoutBalance('1.3.0'));
    repository.tag('v1', { annotated: false });

    expect(check().outcome).toMatchObject({ kind: 'breaking', tag: 'v1.2.0' });
  });

  it('asks for the major part below 1.0.0 too: 0.1.0 to 0.2.0 with a breaking change fails, to 1.0.0 passes', () => {
    repository.commitDocument(scratchApi('0.1.0')).tag('v0.1.0').commitDocument(withoutBalance('0.2.0'));
    expect(check()).toMatchObject({ passed: false, outcome: { kind: 'breaking', revisionVersion: '0.2.0' } });

    repository.commitDocument(withoutBalance('1.0.0'));
    expect(check()).toMatchObject({ passed: true, outcome: { kind: 'breaking-with-major-bump' } });
  });

  it('fails a breaking change when a version is not a semantic version, since the major cannot be told', () => {
    releasedThen(withoutBalance('2026-12-01'));

    const result = check();

    expect(result.passed).toBe(false);
    expect(result.output).toContain('"1.2.0" in v1.2.0 and "2026-12-01" now; both must be semantic versions');
  });

  it('fails, never passes, when oasdiff cannot load a document (a $ref that resolves nowhere)', () => {
    const unresolvable = scratchApi('1.2.0');
    unresolvable.components.schemas.Account = {
      $ref: '#/$defs/Account',
      $defs: { Account: { type: 'object' } },
    };
    releasedThen(unresolvable);

    const result = check();

    expect(result.passed).toBe(false);
    expect(result.outcome).toEqual({ kind: 'oasdiff-failed', tag: 'v1.2.0', exitCode: 102 });
    expect(result.output).toContain('failed to load revision spec from "work-tree/apps/api/openapi.json"');
  });

  it('refuses to follow a $ref out of the documents', () => {
    const external = scratchApi('1.2.0');
    external.components.schemas.Account = { $ref: 'https://schemas.example/account.json' };
    releasedThen(external);

    const result = check();

    expect(result.passed).toBe(false);
    // 123 is oasdiff's exit code for a refused external $ref, apart from any other reason a document did not load.
    expect(result.outcome).toEqual({ kind: 'oasdiff-failed', tag: 'v1.2.0', exitCode: 123 });
    expect(result.output).toContain('disallowed external reference: "https://schemas.example/account.json"');
  });

  it('passes when the last release had no such document', () => {
    repository
      .commit({ 'README.md': 'nothing yet\n' }, 'first')
      .tag('v0.1.0')
      .commitDocument(scratchApi('0.2.0'));

    expect(check()).toEqual({
      passed: true,
      outcome: { kind: 'not-in-release', tag: 'v0.1.0' },
      output: 'PASS: v0.1.0 has no apps/api/openapi.json: nothing of it was released, nothing can break.\n',
    });
  });

  describe('from the command line', () => {
    const run = () =>
      spawnSync(process.execPath, [CLI, '--repository', repository.path], {
        encoding: 'utf8',
        env: process.env,
      });

    it('prints what oasdiff found and the verdict, and exits 1 on a breaking change without a new major', () => {
      releasedThen(withoutBalance('1.3.0'));

      const { status, stdout } = run();

      expect(status).toBe(1);
      expect(stdout).toContain('1 changes: 1 error, 0 warning, 0 info');
      expect(stdout).toContain('[response-required-property-removed] at work-tree/apps/api/openapi.json');
      expect(stdout).toMatch(/^FAIL: .*set apps\/api\/package\.json's version/m);
    });

    it('exits 0 without a release, and 0 on a compatible change', () => {
      repository.commitDocument(scratchApi('1.2.0'));
      expect(run()).toMatchObject({ status: 0, stdout: expect.stringContaining('PASS: no release tag') });

      repository.tag('v1.2.0').commitDocument(withAdditions('1.3.0'));
      expect(run()).toMatchObject({
        status: 0,
        stdout: expect.stringContaining('PASS: no breaking change since v1.2.0'),
      });
    });

    it('exits 2, saying what to run, without oasdiff', () => {
      const { MERIDIAN_OASDIFF: _omitted, ...env } = process.env;
      const { status, stderr } = spawnSync(process.execPath, [CLI, '--repository', repository.path], {
        encoding: 'utf8',
        env,
      });
      expect(status).toBe(2);
      expect(stderr).toContain('MERIDIAN_OASDIFF is not set: run `. scripts/ensure-oasdiff.sh` first');
    });
  });
});
