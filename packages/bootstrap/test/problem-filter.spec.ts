import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { problemType, ProblemException, toProblem, validationProblem } from '../src';

describe('toProblem', () => {
  it('passes our own problems through unchanged', () => {
    const problem = validationProblem([{ field: 'amount', message: 'must be a positive integer' }]);
    expect(toProblem(problem)).toEqual({
      type: problemType('validation-failed'),
      title: 'The request is not valid',
      status: 400,
      detail: 'amount: must be a positive integer',
      errors: [{ field: 'amount', message: 'must be a positive integer' }],
    });
  });

  it('maps framework exceptions to the generic type for their status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x'))).toEqual({
      type: problemType('not-found'),
      title: 'Nothing exists at this address',
      status: 404,
      detail: 'Cannot GET /x',
    });
    expect(toProblem(new BadRequestException(['a is wrong', 'b is wrong'])).detail).toBe(
      'a is wrong; b is wrong',
    );
  });

  it("maps Fastify's refusals before routing: a malformed path, a path parameter past the router's length", () => {
    expect(toProblem({ code: 'FST_ERR_BAD_URL', statusCode: 400 })).toMatchObject({
      type: problemType('bad-request'),
      status: 400,
    });
    expect(toProblem({ code: 'FST_ERR_MAX_PARAM_LENGTH', statusCode: 414 })).toMatchObject({
      type: problemType('uri-too-long'),
      title: 'The request path is too long',
      status: 414,
    });
  });

  it('names the dependency a failed health check found down, and nothing of its error', () => {
    const problem = toProblem(
      new ServiceUnavailableException({
        status: 'error',
        error: { redis: { status: 'down', message: 'connect ECONNREFUSED 10.0.0.7:6379' } },
        details: { redis: { status: 'down', message: 'connect ECONNREFUSED 10.0.0.7:6379' } },
      }),
    );
    expect(problem).toEqual({
      type: problemType('service-unavailable'),
      title: 'The service is unavailable',
      status: 503,
      checks: { redis: { status: 'down' } },
    });
    expect(JSON.stringify(problem)).not.toContain('ECONNREFUSED');
  });

  it("maps Fastify's body errors, bare or wrapped by Nest, to problems a client can act on", () => {
    const invalidJson = Object.assign(new Error('bad'), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      statusCode: 400,
    });
    expect(toProblem(invalidJson).type).toBe(problemType('malformed-json'));
    expect(toProblem(new BadRequestException('bad', { cause: invalidJson })).type).toBe(
      problemType('malformed-json'),
    );
    const tooLarge = Object.assign(new Error('big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(toProblem(tooLarge)).toMatchObject({ type: problemType('payload-too-large'), status: 413 });
  });

  it('never reveals the message of an unexpected error', () => {
    const problem = toProblem(new Error('connection to 10.0.0.5 failed: password authentication failed'));
    expect(problem).toMatchObject({ type: problemType('internal-error'), status: 500 });
    expect(JSON.stringify(problem)).not.toContain('10.0.0.5');
  });

  it('answers 503 with Retry-After, not 500, when a datastore connection was lost (PostgreSQL terminated it, Prisma wrapped it, the driver adapter saw its connection close, a socket reset)', () => {
    const terminated = Object.assign(new Error('Database error. Code: `57P01`'), {
      name: 'PrismaClientKnownRequestError',
      meta: { driverAdapterError: { cause: { originalCode: '57P01' } } },
    });
    const reset = new Error('fetch failed', {
      cause: Object.assign(new Error('read'), { code: 'ECONNRESET' }),
    });
    for (const error of [terminated, reset]) {
      const problem = toProblem(error);
      expect(problem).toMatchObject({
        type: problemType('service-unavailable'),
        status: 503,
        retryAfterSeconds: 1,
      });
      expect(JSON.stringify(problem)).not.toContain('57P01');
    }
    // A constraint violation is a bug of ours, not a lost connection.
    expect(toProblem(Object.assign(new Error('dup'), { code: '23505' })).status).toBe(500);
  });

  it('builds problems with a stable type from a slug', () => {
    const problem = ProblemException.of(409, 'conflict', 'In flight', 'retry later').problem;
    expect(problem).toEqual({
      type: 'https://meridian.dev/problems/conflict',
      title: 'In flight',
      status: 409,
      detail: 'retry later',
    });
  });
});
