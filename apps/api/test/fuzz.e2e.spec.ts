import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { ApiStack, type TenantClient } from './support/api-fixture';
import { contractViolations } from './support/contract';
import { type FuzzRequest, requestsFrom } from './support/openapi-arbitraries';
import document from '../openapi.json';

/** Requests per run; FUZZ_REQUESTS raises it, FUZZ_SEED replays a failing run. */
const RUNS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

interface RawAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** Sends a request exactly as generated: raw bytes, header lines repeated when given twice. */
function send(baseUrl: string, req: FuzzRequest): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        // Raw header lines (so a name can repeat); Node adds no Host to those itself.
        headers: [['host', url.host], ...req.headers].flat(),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers))
            for (const one of [value ?? []].flat()) headers.append(name, one);
          resolve({
            status: response.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

describe(`fuzzing every public endpoint from the OpenAPI document (seed ${SEED}, FUZZ_SEED to replay)`, () => {
  let stack: ApiStack;
  let mallory: TenantClient;
  let victor: TenantClient;

  beforeAll(async () => {
    stack = await ApiStack.start(
      'api_fuzz',
      { AUTH_FAILURE_LIMIT: '100000', TENANT_MAX_IN_FLIGHT: '64', LOG_LEVEL: 'error' },
      { settlement: true },
    );
    [mallory, victor] = [await stack.tenant('mallory'), await stack.tenant('victor')];
    // Accounts whose ids the generator can hit (ids matching the identifier pattern).
    for (const id of ['a', 'A', '0', 'wallet'])
      await mallory.account(id, { flags: { acceptsExternalCredits: true } });
    await victor.account('wallet', { flags: { debitsMustNotExceedCredits: true } });
    await victor.account('shop');
    await victor.fund('wallet', '1000000');
  });

  afterAll(() => stack?.stop());

  it(`answers ${RUNS} generated and mutated requests without a 5xx, each as the document describes, while another tenant's concurrent transfers all succeed`, async () => {
    let fuzzing = true;
    const victim = (async () => {
      const statuses: number[] = [];
      while (fuzzing) {
        const reply = await victor.post('/v1/transfers', {
          debitAccountId: 'wallet',
          creditAccountId: 'shop',
          amount: '1',
          currency: 'EUR',
        });
        statuses.push(reply.status);
      }
      return statuses;
    })();

    const statuses = new Map<number, number>();
    try {
      await fc.assert(
        fc.asyncProperty(requestsFrom(document as never, mallory.token), async (req) => {
          const answer = await send(stack.url, req);
          const { status } = answer;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          // An address the generator mangled into no operation (an unknown route) is not the document's business.
          const violations = contractViolations(req.method, req.path, answer) ?? [];
          if (violations.length > 0)
            throw new Error(
              `${violations.join('\n')}\nHeaders: ${JSON.stringify(Object.fromEntries(answer.headers))}\nBody: ${answer.body}`,
            );
          return status < 500;
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    } finally {
      fuzzing = false;
    }

    const victimStatuses = await victim;
    expect(victimStatuses.length).toBeGreaterThan(0);
    expect(victimStatuses.filter((s) => s !== 201)).toEqual([]);
    // Every acknowledged transfer of the victim is in its balances, once.
    const shop = (await victor.get('/v1/accounts/shop')).body.balances;
    expect(shop.creditsPosted).toBe(String(victimStatuses.length));
    // Both the api and the ledger are still up and ready.
    expect((await fetch(`${stack.api.service.managementUrl}/health/ready`)).status).toBe(200);
    expect((await fetch(`${stack.ledger.service.managementUrl}/health/ready`)).status).toBe(200);
    // The run reached past validation, not just 400s: some requests were accepted.
    const accepted = [...statuses].filter(([status]) => status < 300).reduce((n, [, count]) => n + count, 0);
    expect(accepted).toBeGreaterThan(0);
  }, 900_000);
});
