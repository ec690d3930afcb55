import { accountExample, transferExample } from '../src/http/openapi/examples';
import { contractViolations } from './support/contract';

/** The check the end-to-end suites put every answer of the api through (test/support/contract.ts). */
describe('answers checked against the OpenAPI document', () => {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers({
      'content-type': status >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8',
      ...headers,
    }),
    body: JSON.stringify(body),
  });
  const problem = (status: number, slug: string) => ({
    type: `https://meridian.dev/problems/${slug}`,
    title: slug,
    status,
  });

  it('accepts an answer the document describes', () => {
    expect(contractViolations('GET', 'http://x/v1/accounts/wallet', answer(200, accountExample))).toEqual([]);
    expect(
      contractViolations(
        'POST',
        'http://x/v1/transfers',
        answer(201, transferExample, { location: '/v1/transfers/order-7731', 'ratelimit-remaining': '99' }),
      ),
    ).toEqual([]);
  });

  it('fails an answer that lacks a documented field', () => {
    const { balances: _, ...withoutBalances } = accountExample;
    expect(contractViolations('GET', 'http://x/v1/accounts/wallet', answer(200, withoutBalances))).toEqual([
      "GET /v1/accounts/{id} (getAccount) 200: body (root) must have required property 'balances'",
    ]);
  });

  it('fails a field the document does not know, or of another form', () => {
    const violations = contractViolations(
      'GET',
      'http://x/v1/accounts/wallet',
      answer(200, {
        ...accountExample,
        secret: 'x',
        balances: { ...accountExample.balances, debitsPosted: 12 },
      }),
    );
    expect(violations).toEqual([
      expect.stringMatching(/must NOT have additional properties.*must be string/),
    ]);
  });

  it('fails a status the operation does not document', () => {
    expect(
      contractViolations('GET', 'http://x/v1/accounts', answer(500, problem(500, 'internal-error'))),
    ).toEqual([expect.stringContaining('answered 500, which it does not document')]);
  });

  it('fails a problem sent as plain JSON, a missing required header, and a header of another form', () => {
    const plain = { ...answer(404, problem(404, 'account-not-found')) };
    plain.headers.set('content-type', 'application/json');
    expect(contractViolations('GET', 'http://x/v1/accounts/nope', plain)).toEqual([
      expect.stringContaining('content-type application/json, not application/problem+json'),
    ]);
    expect(contractViolations('POST', 'http://x/v1/accounts', answer(201, accountExample))).toEqual([
      expect.stringContaining('header Location is missing'),
    ]);
    expect(
      contractViolations(
        'GET',
        'http://x/v1/accounts',
        answer(429, problem(429, 'rate-limited'), { 'retry-after': 'soon' }),
      ),
    ).toEqual([expect.stringContaining('header Retry-After "soon"')]);
  });

  it('checks only the operations of the document: another address is not its business', () => {
    expect(
      contractViolations('GET', 'http://x/v2/accounts', answer(404, problem(404, 'not-found'))),
    ).toBeUndefined();
    expect(contractViolations('DELETE', 'http://x/v1/accounts', answer(404, {}))).toBeUndefined();
  });
});
