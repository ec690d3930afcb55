import { randomUUID } from 'node:crypto';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths as documentPaths } from './generated/openapi';

/** The header parameters of an operation that needs an Idempotency-Key, with the key made optional. */
type OptionalKey<Parameters> = Parameters extends { header: infer Header }
  ? Omit<Parameters, 'header'> & { header?: Omit<Header, 'Idempotency-Key'> & { 'Idempotency-Key'?: string } }
  : Parameters;

/**
 * The api's operations (apps/api/openapi.json), except that an Idempotency-Key
 * may be left out: the client then sends a new one, and the same one again on
 * each retry of that call.
 */
export type paths = {
  [Path in keyof documentPaths]: {
    [Method in keyof documentPaths[Path]]: documentPaths[Path][Method] extends {
      parameters: { header: { 'Idempotency-Key': string } };
    }
      ? Omit<documentPaths[Path][Method], 'parameters'> & {
          parameters: OptionalKey<documentPaths[Path][Method]['parameters']>;
        }
      : documentPaths[Path][Method];
  };
};

type Schemas = components['schemas'];
/** An RFC 9457 problem: every error the api answers; branch on `type` and `status`. */
export type Problem = Schemas['Problem'];
export type Account = Schemas['Account'];
export type Transfer = Schemas['Transfer'];
export type BatchResults = Schemas['BatchResults'];
export type SettlementBatch = Schemas['SettlementBatch'];

export type MeridianClient = Client<paths>;

export interface RetryOptions {
  /** Attempts per call, the first included (default 3; 1 never retries). */
  attempts?: number;
  /** The longest wait before a retry; an answer asking for longer is returned as it is (default 5000). */
  maxDelayMs?: number;
}

export interface MeridianClientOptions {
  /** Where the api answers, e.g. `https://api.example.com`. */
  baseUrl: string;
  /** An API key, `mk_<id>_<secret>`. */
  apiKey: string;
  retry?: RetryOptions;
  /** Sends a request (default: the global fetch). Tests give one that checks answers against the document. */
  fetch?: (request: Request) => Promise<Response>;
  /** Makes a new Idempotency-Key (default: a random UUID). */
  newIdempotencyKey?: () => string;
}

const IDEMPOTENCY_KEY = 'idempotency-key';

/** The Idempotency-Key each answer was sent with (the client's own when the caller gave none). */
const keyOfAnswer = new WeakMap<Response, string>();

/**
 * The Idempotency-Key a POST was sent with: the caller's, or the one the
 * client made. Whatever the answer (a 503, a 409 still in flight), calling
 * again with this key cannot move money twice; calling again without it can.
 *
 *   const { error, response } = await meridian.POST('/v1/transfers', { body });
 *   if (error?.status === 503) retryLater(idempotencyKeyOf(response));
 */
export function idempotencyKeyOf(response: Response): string | undefined {
  return keyOfAnswer.get(response);
}

/** No answer came (the connection failed on the last attempt); the key says how to find out what happened. */
export class MeridianNetworkError extends Error {
  constructor(
    /** The key the request was sent with: send it again with this key to learn the outcome. */
    readonly idempotencyKey: string | undefined,
    cause: unknown,
  ) {
    super(
      `no answer from the api${idempotencyKey ? ` (send it again with Idempotency-Key ${idempotencyKey} to learn the outcome)` : ''}`,
      { cause },
    );
    this.name = 'MeridianNetworkError';
  }
}

/**
 * A typed client of the Meridian api, from openapi-fetch:
 *
 * ```ts
 * const meridian = createMeridianClient({ baseUrl, apiKey });
 * const { data, error } = await meridian.POST('/v1/transfers', { body: { debitAccountId: 'wallet', ... } });
 * if (error) console.log(error.type, error.detail); // a Problem, typed
 * ```
 *
 * Every call resolves to `{ data }` (the documented answer) or `{ error }`
 * (the problem), with the `response`. A POST without an Idempotency-Key gets
 * a new one. A call is retried, with the same key, when the network fails,
 * when the api or the service behind it is unavailable (503), when the first
 * request with the key is still in flight (409), or when rate limited (429)
 * for no longer than `maxDelayMs`; the last answer is what the call returns.
 * Retry a POST yourself only with its key (`idempotencyKeyOf(response)`, or
 * `MeridianNetworkError.idempotencyKey` when no answer came).
 */
export function createMeridianClient(options: MeridianClientOptions): MeridianClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}` },
    fetch: retrying(options.fetch ?? ((request) => fetch(request)), options.retry ?? {}),
  });
  client.use(idempotencyKeys(options.newIdempotencyKey ?? randomUUID));
  return client;
}

/** Gives every POST that has none an Idempotency-Key, before the first attempt (so retries resend it). */
function idempotencyKeys(newKey: () => string): Middleware {
  return {
    onRequest({ request }) {
      if (request.method === 'POST' && !request.headers.has(IDEMPOTENCY_KEY))
        request.headers.set(IDEMPOTENCY_KEY, newKey());
      return request;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether sending the request again cannot do a thing twice: a read, or a write with its key. */
const repeatable = (request: Request) =>
  request.method === 'GET' || request.method === 'HEAD' || request.headers.has(IDEMPOTENCY_KEY);

/** How long to wait before retrying this answer (undefined: do not retry it). */
async function retryDelay(response: Response, backoffMs: number, maxDelayMs: number) {
  if (![409, 429, 503].includes(response.status)) return undefined;
  if (response.status === 409) {
    // Only the key in flight is worth waiting for; other conflicts are final.
    const problem = (await response
      .clone()
      .json()
      .catch(() => ({}))) as { type?: string };
    if (!problem.type?.endsWith('/idempotency-key-in-flight')) return undefined;
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  const delay = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoffMs;
  return delay <= maxDelayMs ? delay : undefined;
}

/** Sends a request, and again (the same request, the same key) while the answer says to retry. */
function retrying(send: (request: Request) => Promise<Response>, options: RetryOptions) {
  const attempts = Math.max(1, options.attempts ?? 3);
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  return async (request: Request): Promise<Response> => {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts || !repeatable(request);
      const backoffMs = Math.min(maxDelayMs, 100 * 2 ** (attempt - 1) * (1 + Math.random()));
      const key = request.headers.get(IDEMPOTENCY_KEY) ?? undefined;
      let response: Response;
      try {
        response = await send(last ? request : request.clone());
      } catch (error) {
        // Only a failed connection (fetch's TypeError) is retried; anything else is the caller's to see.
        if (!(error instanceof TypeError)) throw error;
        if (last) throw new MeridianNetworkError(key, error);
        await sleep(backoffMs);
        continue;
      }
      const delay = last ? undefined : await retryDelay(response, backoffMs, maxDelayMs);
      if (delay === undefined) {
        if (key !== undefined) keyOfAnswer.set(response, key);
        return response;
      }
      await response.body?.cancel();
      await sleep(delay);
    }
  };
}
