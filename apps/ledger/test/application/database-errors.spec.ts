import { isRetryable, sqlState } from '../../src/application/database-errors';

/** A database error as Prisma's driver adapter for pg wraps it. */
const prismaError = (cause: object) =>
  Object.assign(new Error('Database error'), {
    name: 'PrismaClientKnownRequestError',
    code: 'P2010',
    meta: { driverAdapterError: { cause } },
  });

describe('which database errors a batch is run again after', () => {
  it('reruns a batch after a deadlock, a serialization failure, a concurrent insert of the same id, or its connection lost (terminated, or closed under the driver adapter)', () => {
    for (const code of ['40P01', '40001', '23505', '57P01', '08006'])
      expect([code, isRetryable(prismaError({ originalCode: code }))]).toEqual([code, true]);
    const closed = Object.assign(new Error('ConnectionClosed'), {
      name: 'DriverAdapterError',
      cause: { kind: 'ConnectionClosed' },
    });
    expect(isRetryable(closed)).toBe(true);
  });

  it('answers any other error as it is: a check violation, a bug, an error without a code', () => {
    expect(isRetryable(prismaError({ originalCode: '23514' }))).toBe(false);
    expect(isRetryable(new TypeError('undefined is not a function'))).toBe(false);
    expect(sqlState(prismaError({ originalCode: '23514' }))).toBe('23514');
  });
});
