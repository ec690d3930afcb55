import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { seeded, testSeed } from '@meridian/testing';
import { MAX_INT64 } from '@meridian/ledger-contract';
import { net, type Obligation, settlementTransferId, splitAmount } from '../../src/domain/netting';

// Every property here draws its cases from the run's seed (printed in the suite titles).
fc.configureGlobal({ seed: testSeed() });

const tenants = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];
const obligation = fc.record({
  payerTenantId: fc.constantFrom(...tenants),
  payeeTenantId: fc.constantFrom(...tenants),
  currency: fc.constantFrom('EUR', 'USD'),
  amount: fc.bigInt({ min: 1n, max: 10n ** 12n }),
});

describe(seeded('netting (property-based)'), () => {
  it('positions sum to zero per currency, and each bilateral net is the difference of the gross sums', () => {
    fc.assert(
      fc.property(fc.array(obligation, { maxLength: 200 }), (obligations: Obligation[]) => {
        const { bilateral, positions } = net(obligations);
        for (const currency of ['EUR', 'USD']) {
          expect(positions.filter((p) => p.currency === currency).reduce((sum, p) => sum + p.net, 0n)).toBe(
            0n,
          );
        }
        const gross = (payer: string, payee: string, currency: string) =>
          obligations
            .filter((o) => o.payerTenantId === payer && o.payeeTenantId === payee && o.currency === currency)
            .reduce((sum, o) => sum + o.amount, 0n);
        for (const currency of ['EUR', 'USD']) {
          for (const a of tenants) {
            for (const b of tenants) {
              if (a >= b) continue;
              const difference = gross(a, b, currency) - gross(b, a, currency);
              const found = bilateral.find(
                (n) =>
                  n.currency === currency &&
                  [n.payerTenantId, n.payeeTenantId].sort().join() === [a, b].join(),
              );
              if (difference === 0n) expect(found).toBeUndefined();
              else {
                expect(found).toEqual({
                  payerTenantId: difference > 0n ? a : b,
                  payeeTenantId: difference > 0n ? b : a,
                  currency,
                  amount: difference > 0n ? difference : -difference,
                });
              }
            }
          }
        }
        // Positions are what the bilateral nets add up to per tenant.
        for (const p of positions) {
          const fromNets = bilateral
            .filter((n) => n.currency === p.currency)
            .reduce(
              (sum, n) =>
                sum +
                (n.payeeTenantId === p.tenantId ? n.amount : n.payerTenantId === p.tenantId ? -n.amount : 0n),
              0n,
            );
          expect(fromNets).toBe(p.net);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('nets sums (with their counts) the same as the obligations they sum (cut-offs net per payer, payee and currency)', () => {
    fc.assert(
      fc.property(fc.array(obligation, { maxLength: 100 }), (obligations) => {
        const sums = new Map<string, Obligation>();
        for (const o of obligations) {
          const key = `${o.payerTenantId}|${o.payeeTenantId}|${o.currency}`;
          const s = sums.get(key) ?? { ...o, amount: 0n, count: 0 };
          s.amount += o.amount;
          s.count! += 1;
          sums.set(key, s);
        }
        expect(net([...sums.values()])).toEqual(net(obligations));
      }),
    );
  });

  it('counts for each position the obligations its tenant pays or receives in that currency', () => {
    fc.assert(
      fc.property(fc.array(obligation, { maxLength: 100 }), (obligations) => {
        for (const p of net(obligations).positions) {
          expect(p.obligationCount).toBe(
            obligations.filter(
              (o) =>
                o.currency === p.currency &&
                o.payerTenantId !== o.payeeTenantId &&
                (o.payerTenantId === p.tenantId || o.payeeTenantId === p.tenantId),
            ).length,
          );
        }
      }),
    );
  });

  it('nets beyond 64 bits exactly: two transfers of 2^63-1 each net to ±2*(2^63-1)', () => {
    const max = { payerTenantId: 'acme', payeeTenantId: 'globex', currency: 'EUR', amount: MAX_INT64 };
    expect(net([max, max])).toEqual({
      bilateral: [
        { payerTenantId: 'acme', payeeTenantId: 'globex', currency: 'EUR', amount: 2n * MAX_INT64 },
      ],
      positions: [
        { tenantId: 'acme', currency: 'EUR', net: -2n * MAX_INT64, obligationCount: 2 },
        { tenantId: 'globex', currency: 'EUR', net: 2n * MAX_INT64, obligationCount: 2 },
      ],
    });
  });

  it('derives a stable ledger id per batch, pair, currency, part and generation', () => {
    const id = settlementTransferId('batch-1', 'acme', 'globex', 'EUR');
    expect(id).toBe(settlementTransferId('batch-1', 'acme', 'globex', 'EUR', 0, 0));
    expect(id).not.toBe(settlementTransferId('batch-1', 'globex', 'acme', 'EUR'));
    expect(id).toMatch(/^_stl-[0-9a-f]{48}$/);
    const ids = new Set(
      [0, 1, 2].flatMap((part) =>
        [0, 1, 2].map((generation) =>
          settlementTransferId('batch-1', 'acme', 'globex', 'EUR', part, generation),
        ),
      ),
    );
    expect(ids.size).toBe(9);
    for (const other of ids) expect(other).toMatch(/^_stl-[0-9a-f]{48}$/);
  });

  it('keeps the id earlier versions derived for part 0 of a net, so batches in flight across an upgrade keep theirs', () => {
    // sha256("batch-1\0acme\0globex\0EUR"), as the previous version computed it.
    expect(settlementTransferId('batch-1', 'acme', 'globex', 'EUR')).toBe(
      `_stl-${createHash('sha256').update('batch-1\u0000acme\u0000globex\u0000EUR').digest('hex').slice(0, 48)}`,
    );
  });
});

describe(seeded('splitAmount'), () => {
  it('splits a net into parts of at most 2^63-1, all full but the last, that sum to the net', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 24n }), (amount) => {
        const parts = splitAmount(amount);
        expect(parts.reduce((sum, p) => sum + p, 0n)).toBe(amount);
        expect(parts.every((p) => p > 0n && p <= MAX_INT64)).toBe(true);
        expect(parts.slice(0, -1).every((p) => p === MAX_INT64)).toBe(true);
        expect(parts.length).toBe(Number((amount + MAX_INT64 - 1n) / MAX_INT64));
      }),
    );
  });

  it('keeps a net of 2^63-1 whole and splits 2*(2^63-1) in two', () => {
    expect(splitAmount(MAX_INT64)).toEqual([MAX_INT64]);
    expect(splitAmount(2n * MAX_INT64)).toEqual([MAX_INT64, MAX_INT64]);
    expect(splitAmount(2n * MAX_INT64 + 1n)).toEqual([MAX_INT64, MAX_INT64, 1n]);
    expect(splitAmount(10n, 4n)).toEqual([4n, 4n, 2n]);
  });

  it('refuses to split nothing', () => {
    expect(() => splitAmount(0n)).toThrow(RangeError);
  });
});
