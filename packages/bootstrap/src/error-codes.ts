/**
 * The codes along an error's chain of causes, outermost first: node's
 * (`ECONNRESET`), PostgreSQL's SQLSTATE (`57P01`), Prisma's (`P1017`) and its
 * driver adapter's kinds (`ConnectionClosed`), however deep they are wrapped.
 * Each level gives its `originalCode` (the database's own, under Prisma's),
 * then its `code`, then its `kind`.
 */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const candidate = current as {
      code?: unknown;
      originalCode?: unknown;
      kind?: unknown;
      meta?: { driverAdapterError?: { cause?: unknown } };
      cause?: unknown;
    };
    for (const code of [candidate.originalCode, candidate.code, candidate.kind])
      if (typeof code === 'string') codes.push(code);
    current = candidate.meta?.driverAdapterError?.cause ?? candidate.cause;
  }
  return codes;
}
