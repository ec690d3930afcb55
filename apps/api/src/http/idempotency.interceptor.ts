import { createHash } from 'node:crypto';
import {
  type CallHandler,
  type ExecutionContext,
  HttpStatus,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  type Type,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { ProblemException } from '@meridian/bootstrap';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import stringify from 'safe-stable-stringify';
import { principalOf } from './api-key.guard';
import type { Principal } from '../application/api-key.store';
import { BusinessProblem } from './business-problem';
import { countRequest, rateLimited, setRateLimitHeaders } from './rate-limit-answer';
import {
  type CompactedResponse,
  IdempotencyStore,
  type StoredResponse,
} from '../infrastructure/redis/idempotency.store';
import { TenantRateLimit } from '../infrastructure/redis/tenant-rate-limit';

/** The metadata key of `@Idempotent` (the OpenAPI operations are checked against it). */
export const IDEMPOTENT = 'meridian:idempotent';

/**
 * How a route whose responses can outgrow IDEMPOTENCY_MAX_RECORD_BYTES keeps
 * them: `compact` keeps only what the replaying request (the same body, its
 * fingerprint says) cannot tell, e.g. each item's result, and must fit the
 * cap whatever the request; `rebuild` gets the rest back from the request and
 * the system of record, where it cannot have changed (transfers are immutable).
 */
export interface ResponseCompactor {
  compact(body: unknown): unknown;
  rebuild(compact: unknown, principal: Principal, requestBody: unknown): Promise<unknown>;
}

export interface IdempotentOptions {
  /** For routes whose responses can exceed the record size cap (batches). */
  compactor?: Type<ResponseCompactor>;
}

/** Marks a POST that creates or moves money: it needs an Idempotency-Key. */
export const Idempotent = (options: IdempotentOptions = {}) => SetMetadata(IDEMPOTENT, options);

/** Digest of a response body, independent of key order. */
const digestOf = (body: unknown): string =>
  createHash('sha256')
    .update(stringify(body ?? null))
    .digest('hex');

/** The header as the draft defines it (a string); we accept 1..255 visible ASCII characters. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** Headers worth replaying besides the body. */
const REPLAYED_HEADERS = ['content-type', 'location'];

/**
 * The Idempotency-Key protocol (IETF httpapi draft) around a route marked
 * @Idempotent(). Runs after authentication, so records are per tenant and
 * failed authentication is never stored; validation failures are not stored
 * either (the corrected request may reuse the key), nor are failures a retry
 * can fix (the ledger unavailable). Stored and replayed: successes, and
 * business outcomes such as insufficient funds.
 *
 *   missing key                      400 idempotency-key-missing
 *   same key, same request, done     original status and body, Idempotent-Replayed: true
 *   same key, different request      422 idempotency-key-reused
 *   same key while the first runs    409 idempotency-key-in-flight, Retry-After
 *   tenant's record budget spent     429 idempotency-budget-exhausted, Retry-After
 *
 * The claim also counts the request against the tenant's rate limit (one
 * Redis script; RateLimitGuard leaves these routes to it): past the limit,
 * 429 rate-limited and nothing claimed.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger: Logger;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly rateLimit: TenantRateLimit,
    private readonly reflector: Reflector,
    private readonly modules: ModuleRef,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'idempotency' });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT, context.getHandler());
    if (!options) return next.handle();
    return from(this.run(context, next, options));
  }

  private async run(
    context: ExecutionContext,
    next: CallHandler,
    options: IdempotentOptions,
  ): Promise<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const principal = principalOf(request)!;
    const tenantId = principal.tenantId;
    const compactor = options.compactor ? this.modules.get(options.compactor, { strict: false }) : undefined;
    // A tenant this replica saw past its limit is refused before any work on the request.
    const refused = this.rateLimit.refusedLocally(tenantId);
    if (refused) {
      setRateLimitHeaders(reply, this.rateLimit, refused);
      throw rateLimited(this.rateLimit, refused);
    }
    const key = await this.keyOrCounted(request, reply, tenantId);
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.url.split('?')[0]}\n${stringify(request.body ?? null)}`)
      .digest('hex');

    const claim = await this.store.claim(tenantId, key, fingerprint).catch((error: unknown) => {
      // Redis is away (a restart, a failover): nothing was done, and a retry with the key is safe.
      this.logger.warn({ err: error }, 'Idempotency-Key store unreachable');
      throw ProblemException.of(
        HttpStatus.SERVICE_UNAVAILABLE,
        'idempotency-store-unavailable',
        'Idempotency-Key records are unreachable for a moment',
        'Nothing was done; retry with the same Idempotency-Key.',
        { retryAfterSeconds: 1 },
      );
    });
    setRateLimitHeaders(reply, this.rateLimit, claim.rate);
    if (claim.kind === 'rate_limited') throw rateLimited(this.rateLimit, claim.rate);
    if (claim.kind === 'replay') {
      const body = await this.replayedBody(claim.response, compactor, principal, request.body);
      void reply.status(claim.response.status);
      for (const [name, value] of Object.entries(claim.response.headers)) void reply.header(name, value);
      void reply.header('idempotent-replayed', 'true');
      return body;
    }
    if (claim.kind === 'over_budget') {
      throw ProblemException.of(
        HttpStatus.TOO_MANY_REQUESTS,
        'idempotency-budget-exhausted',
        "The tenant's Idempotency-Key storage is full",
        `New keys are refused until older records expire (retention ${this.retentionHours()} h); retry after Retry-After.`,
        { retryAfterSeconds: claim.retryAfterSeconds },
      );
    }
    if (claim.kind === 'mismatch') {
      throw ProblemException.of(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'idempotency-key-reused',
        'The Idempotency-Key was used for another request',
        'Use a new key for a different request; reuse a key only to retry the same one.',
      );
    }
    if (claim.kind === 'in_flight') {
      throw ProblemException.of(
        HttpStatus.CONFLICT,
        'idempotency-key-in-flight',
        'A request with this Idempotency-Key is still in progress',
        'Retry after it completes to get its response.',
        { retryAfterSeconds: 1 },
      );
    }

    const stopHolding = this.store.holdWhileInFlight(tenantId, key, claim.claim);
    try {
      const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const status = reply.statusCode;
      const headers = replayedHeaders(reply);
      const stored = await this.recorded(() =>
        this.store.complete(tenantId, key, claim.claim, fingerprint, { status, headers, body }).then(
          async (whole) =>
            whole ||
            (compactor !== undefined &&
              (await this.store.complete(tenantId, key, claim.claim, fingerprint, {
                status,
                headers,
                compact: compactor.compact(body),
                digest: digestOf(body),
              }))),
        ),
      );
      if (stored === false) {
        // Cannot happen for today's routes (bodies without a compactor are bounded well below the
        // cap). Not stored: a retry runs again, and the ledger's ids keep it from moving money twice.
        this.logger.error({ route: request.routeOptions.url }, 'response over the record cap');
        await this.recorded(() => this.store.release(tenantId, key, claim.claim));
      }
      return body;
    } catch (error) {
      if (error instanceof BusinessProblem) {
        await this.recorded(() =>
          this.store.complete(tenantId, key, claim.claim, fingerprint, {
            status: error.problem.status,
            headers: { 'content-type': 'application/problem+json' },
            body: { ...error.problem, instance: request.url.split('?')[0] },
          }),
        );
      } else {
        await this.recorded(() => this.store.release(tenantId, key, claim.claim));
      }
      throw error;
    } finally {
      stopHolding();
    }
  }

  /** The request's Idempotency-Key; a request refused for its key still counts against the rate limit. */
  private async keyOrCounted(
    request: FastifyRequest,
    reply: FastifyReply,
    tenantId: string,
  ): Promise<string> {
    try {
      return idempotencyKeyOf(request);
    } catch (refusal) {
      await countRequest(reply, this.rateLimit, tenantId, this.logger);
      throw refusal;
    }
  }

  /**
   * Records the outcome in the store. The request's own answer stands when
   * Redis is away: the record stays in flight until its lease runs out, and
   * then a retry runs again, which the ledger's ids keep from moving money twice.
   */
  private async recorded<T>(write: () => Promise<T>): Promise<T | undefined> {
    try {
      return await write();
    } catch (error) {
      this.logger.warn({ err: error }, 'Idempotency-Key record not written; its lease will run out');
      return undefined;
    }
  }

  /** A stored body as it was, rebuilt when it was stored compacted. */
  private async replayedBody(
    response: StoredResponse | CompactedResponse,
    compactor: ResponseCompactor | undefined,
    principal: Principal,
    requestBody: unknown,
  ): Promise<unknown> {
    if ('body' in response) return response.body;
    if (!compactor) throw new Error('a compacted record for a route without a compactor');
    const body = await compactor.rebuild(response.compact, principal, requestBody);
    if (digestOf(body) !== response.digest) throw new Error('rebuilt response differs from the one stored');
    return body;
  }

  private retentionHours(): number {
    return Math.round(this.store.retentionSeconds / 3600);
  }
}

export function idempotencyKeyOf(request: FastifyRequest): string {
  const key = request.headers['idempotency-key'];
  if (key === undefined) {
    throw ProblemException.of(
      HttpStatus.BAD_REQUEST,
      'idempotency-key-missing',
      'An Idempotency-Key header is required',
      'Send a unique Idempotency-Key (e.g. a UUID) with every request that creates or moves money, and the same key when you retry it.',
    );
  }
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw ProblemException.of(
      HttpStatus.BAD_REQUEST,
      'idempotency-key-invalid',
      'The Idempotency-Key header is not valid',
      'Use 1 to 255 visible ASCII characters, e.g. a UUID; send the header once.',
    );
  }
  return key;
}

function replayedHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (typeof value === 'string') headers[name] = value;
  }
  headers['content-type'] ??= 'application/json; charset=utf-8';
  return headers;
}
