/**
 * SQLSTATEs after which the whole batch is simply run again: a serialization
 * failure or deadlock (the database chose us as the victim), or a unique
 * violation from a concurrent batch that inserted the same id first (the
 * retry sees it and answers `exists`).
 */
const RETRYABLE = new Set(['40001', '40P01', '23505']);

/** The SQLSTATE of a database error, however deep Prisma and the driver adapter wrapped it. */
export function sqlState(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const candidate = current as {
      code?: unknown;
      originalCode?: unknown;
      meta?: { driverAdapterError?: { cause?: unknown } };
      cause?: unknown;
    };
    if (typeof candidate.originalCode === 'string') return candidate.originalCode;
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate.code;
    current = candidate.meta?.driverAdapterError?.cause ?? candidate.cause;
  }
  return undefined;
}

export const isRetryable = (error: unknown): boolean => RETRYABLE.has(sqlState(error) ?? '');
