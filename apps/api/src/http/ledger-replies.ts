import { ProblemException, problemType } from '@meridian/bootstrap';
import { serviceErrorProblem, type ServiceReply } from '@meridian/service-client';

/**
 * A reply of an internal service (the ledger, settlement) that is not a
 * success, as the api's own problem. 404s keep their meaning (and never
 * reveal another tenant's data: the callee scopes by tenant); a 400 means the
 * api let through what the callee refuses, which is passed on as is; anything
 * else is a 502 `<callee>-error`.
 */
export function unexpectedReply(reply: ServiceReply): ProblemException {
  const body = (reply.body ?? {}) as { type?: string; title?: string; detail?: string; errors?: unknown };
  if (reply.status === 404 || reply.status === 400) {
    const slug = body.type?.split('/').pop() ?? (reply.status === 404 ? 'not-found' : 'bad-request');
    return new ProblemException({
      type: problemType(slug),
      title: body.title ?? 'Request failed',
      status: reply.status,
      ...(body.detail ? { detail: body.detail } : {}),
      ...(body.errors ? { errors: body.errors } : {}),
    });
  }
  return serviceErrorProblem(reply);
}

/** The body of a 200 reply, or the api's problem for anything else. */
export function okBody<T>(reply: ServiceReply<T>): T {
  if (reply.status === 200) return reply.body;
  throw unexpectedReply(reply);
}
