import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { PROBLEM_CONTENT_TYPE, problemType, type ProblemDetails, ProblemException } from './problem-details';
import { errorCodes } from './error-codes';

/** Generic problems by status, for errors raised by the framework rather than by our code. */
const GENERIC: Record<number, { slug: string; title: string }> = {
  400: { slug: 'bad-request', title: 'The request is malformed' },
  401: { slug: 'unauthorized', title: 'Authentication is required' },
  403: { slug: 'forbidden', title: 'The credentials do not allow this' },
  404: { slug: 'not-found', title: 'Nothing exists at this address' },
  405: { slug: 'method-not-allowed', title: 'This method is not allowed here' },
  406: { slug: 'not-acceptable', title: 'No acceptable representation' },
  408: { slug: 'request-timeout', title: 'The request took too long to arrive' },
  409: { slug: 'conflict', title: 'The request conflicts with the current state' },
  413: { slug: 'payload-too-large', title: 'The request body is too large' },
  414: { slug: 'uri-too-long', title: 'The request path is too long' },
  415: { slug: 'unsupported-media-type', title: 'The request body must be application/json' },
  422: { slug: 'unprocessable', title: 'The request cannot be processed' },
  429: { slug: 'rate-limited', title: 'Too many requests' },
  503: { slug: 'service-unavailable', title: 'The service is unavailable' },
};

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
  validation?: unknown;
}

/** Fastify's own errors (body parsing, limits) carry a code; map the ones clients can fix. */
function fromFastifyCode(error: FastifyLikeError): ProblemDetails | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        type: problemType('malformed-json'),
        title: 'The request body is not valid JSON',
        status: 400,
        detail: 'Send a well-formed JSON document in the body.',
      };
    case 'FST_ERR_BAD_URL':
      return { ...generic(400), detail: 'The path is not a valid URL: percent-encode it as UTF-8.' };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { ...generic(414), detail: 'A path parameter is longer than any this service accepts.' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { ...generic(413), detail: 'Send a smaller body.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { ...generic(error.statusCode ?? 415), detail: 'Send the body as application/json.' };
    default:
      return undefined;
  }
}

function generic(status: number): ProblemDetails {
  const known = GENERIC[status] ?? {
    slug: status >= 500 ? 'internal-error' : 'bad-request',
    title: 'Request failed',
  };
  return { type: problemType(known.slug), title: known.title, status };
}

/** Turns anything thrown into a problem; unknown errors become a 500 that reveals nothing internal. */
export function toProblem(error: unknown): ProblemDetails {
  if (error instanceof ProblemException) return error.problem;
  // Fastify's own errors arrive as they are, or wrapped in an HttpException by Nest.
  const fastifyProblem = fromFastifyCode(((error as { cause?: unknown }).cause ?? error) as FastifyLikeError);
  if (fastifyProblem) return fastifyProblem;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const detail = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    const problem = generic(status);
    if (typeof detail === 'string' && detail !== '') problem.detail = detail;
    else if (Array.isArray(detail)) problem.detail = detail.join('; ');
    // Health checks put their per-dependency report in the body: keep which
    // dependency failed, never its error text (it can name hosts, users, queries).
    const report =
      typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
    if (typeof report === 'object' && report !== null) problem.checks = checkStatuses(report);
    return problem;
  }
  const { statusCode, message } = error as FastifyLikeError;
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500)
    return { ...generic(statusCode), detail: message };
  if (isConnectionLoss(error))
    return {
      ...generic(HttpStatus.SERVICE_UNAVAILABLE),
      detail: 'A connection to a datastore was lost; retrying shortly may succeed.',
      retryAfterSeconds: 1,
    };
  return {
    type: problemType('internal-error'),
    title: 'Internal error',
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    detail: 'The error was logged; retrying later may succeed.',
  };
}

/**
 * Codes that say a connection to a datastore was refused or lost (a restart,
 * a failover, an operator's pg_terminate_backend), as node, PostgreSQL
 * (SQLSTATE classes 08 and 57P), Prisma and its driver adapter name them: the request failed
 * through no fault of its own and may be retried, so it is a 503, not a 500.
 */
const CONNECTION_LOSS =
  /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|08[0-9A-Z]{3}|57P0[123]|P1001|P1017|ConnectionClosed)$/;

const isConnectionLoss = (error: unknown): boolean =>
  errorCodes(error).some((code) => CONNECTION_LOSS.test(code));

function checkStatuses(report: object): Record<string, { status: unknown }> {
  return Object.fromEntries(
    Object.entries(report).map(([name, result]) => [
      name,
      { status: (result as { status?: unknown } | null)?.status ?? 'down' },
    ]),
  );
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ProblemDetails): void {
  const body: ProblemDetails = { ...problem, instance: request.url.split('?')[0] };
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}

/**
 * Fastify's `frameworkErrors`: what it refuses before a route is found (a path that is not a valid URL, or
 * whose parameter exceeds the router's length) leaves as a problem too, not as Fastify's own JSON.
 */
export function onFrameworkError(
  error: FastifyLikeError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  sendProblem(reply, request, toProblem(error));
}

/** The global Nest exception filter: every error leaves as problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem = toProblem(error);
    if (problem.status >= 500 && problem.type === problemType('internal-error')) {
      this.logger.error({ err: error, url: request.url, method: request.method }, 'unhandled error');
    } else if (problem.status === 503 && !(error instanceof HttpException)) {
      this.logger.warn({ err: error, url: request.url, method: request.method }, 'datastore connection lost');
    }
    if (reply.sent) return;
    // A problem that says when to come back (429, 503, an in-flight 409) says it in Retry-After too.
    const retryAfter = (problem as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    sendProblem(reply, request, problem);
  }
}
