import { HttpStatus } from '@nestjs/common';
import { ProblemException, problemType } from '@meridian/bootstrap';
import type { LedgerReply } from '@meridian/ledger-client';

/**
 * A ledger reply that is not a success, as the api's own problem. 404s keep
 * their meaning (and never reveal another tenant's data: the ledger scopes
 * by tenant); a 400 means the api let through what the ledger refuses, which
 * is passed on as is.
 */
export function unexpectedReply(reply: LedgerReply): ProblemException {
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
  return ProblemException.of(
    HttpStatus.BAD_GATEWAY,
    'ledger-error',
    'The ledger answered unexpectedly',
    `The ledger answered ${reply.status}.`,
  );
}

/** The body of a 200 reply, or the api's problem for anything else. */
export function okBody<T>(reply: LedgerReply<T>): T {
  if (reply.status === 200) return reply.body;
  throw unexpectedReply(reply);
}
