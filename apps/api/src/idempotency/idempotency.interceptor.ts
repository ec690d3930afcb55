import { createHash } from 'node:crypto';
import {
  type CallHandler,
  type ExecutionContext,
  HttpStatus,
  Injectable,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '@meridian/bootstrap';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import stringify from 'safe-stable-stringify';
import { principalOf } from '../tenancy/api-key.guard';
import { BusinessProblem } from '../v1/business-problem';
import { IdempotencyStore } from './idempotency.store';

const IDEMPOTENT = 'meridian:idempotent';

/** Marks a POST that creates or moves money: it needs an Idempotency-Key. */
export const Idempotent = () => SetMetadata(IDEMPOTENT, true);

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
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.reflector.get<boolean>(IDEMPOTENT, context.getHandler())) return next.handle();
    return from(this.run(context, next));
  }

  private async run(context: ExecutionContext, next: CallHandler): Promise<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const tenantId = principalOf(request)!.tenantId;
    const key = idempotencyKeyOf(request);
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.url.split('?')[0]}\n${stringify(request.body ?? null)}`)
      .digest('hex');

    const claim = await this.store.claim(tenantId, key, fingerprint);
    if (claim.kind === 'replay') {
      void reply.status(claim.response.status);
      for (const [name, value] of Object.entries(claim.response.headers)) void reply.header(name, value);
      void reply.header('idempotent-replayed', 'true');
      return claim.response.body;
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

    try {
      const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await this.store.complete(tenantId, key, claim.claim, fingerprint, {
        status: reply.statusCode,
        headers: replayedHeaders(reply),
        body,
      });
      return body;
    } catch (error) {
      if (error instanceof BusinessProblem) {
        await this.store.complete(tenantId, key, claim.claim, fingerprint, {
          status: error.problem.status,
          headers: { 'content-type': 'application/problem+json' },
          body: { ...error.problem, instance: request.url.split('?')[0] },
        });
      } else {
        await this.store.release(tenantId, key, claim.claim);
      }
      throw error;
    }
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
