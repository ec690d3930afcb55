import { errorCodes } from '@meridian/bootstrap';

/**
 * SQLSTATEs after which the whole batch is simply run again: a serialization
 * failure or deadlock (the database chose us as the victim), a unique
 * violation from a concurrent batch that inserted the same id first (the
 * retry sees it and answers `exists`), or the connection lost under the
 * transaction (terminated by an operator or a failover, or dropped): the
 * pool opens a new one, and if the lost transaction had committed after
 * all, the rerun finds its ids and answers `exists`.
 */
const RETRYABLE = new Set([
  '40001',
  '40P01',
  '23505',
  // admin_shutdown, crash_shutdown, cannot_connect_now
  '57P01',
  '57P02',
  '57P03',
  // connection_exception and its subclasses
  '08000',
  '08003',
  '08006',
  // Prisma: the server closed the connection; its driver adapter, and the posting
  // transaction's own connection (PostingConnectionLost): the connection closed under it
  'P1017',
  'ConnectionClosed',
]);

/** The SQLSTATE of a database error, however deep Prisma (whose own codes are P1xxx to P6xxx) and the driver adapter wrapped it. */
export const sqlState = (error: unknown): string | undefined =>
  errorCodes(error).find((code) => /^[0-9A-Z]{5}$/.test(code) && !/^P[1-9]/.test(code));

export const isRetryable = (error: unknown): boolean => errorCodes(error).some((code) => RETRYABLE.has(code));
