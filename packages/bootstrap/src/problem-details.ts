import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * RFC 9457 problem details. Every error a Meridian service returns is one of
 * these, served as `application/problem+json`, with a `type` that never
 * changes for a given error so clients can branch on it.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem type URIs resolve to their documentation (docs/problems.md). */
export const PROBLEM_BASE_URI = 'https://meridian.dev/problems/';

export const problemType = (slug: string): string => `${PROBLEM_BASE_URI}${slug}`;

/** An error that is answered as the given problem. Throw it from any layer that owns HTTP. */
export class ProblemException extends HttpException {
  constructor(readonly problem: ProblemDetails) {
    super(problem, problem.status);
  }

  static of(
    status: HttpStatus,
    slug: string,
    title: string,
    detail?: string,
    extensions: Record<string, unknown> = {},
  ): ProblemException {
    return new ProblemException({
      type: problemType(slug),
      title,
      status,
      ...(detail === undefined ? {} : { detail }),
      ...extensions,
    });
  }
}

/** A field-level validation failure; the `errors` member names each bad field and what to fix. */
export interface FieldError {
  field: string;
  message: string;
}

export function validationProblem(errors: FieldError[], detail?: string): ProblemException {
  return ProblemException.of(
    HttpStatus.BAD_REQUEST,
    'validation-failed',
    'The request is not valid',
    detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    { errors },
  );
}
