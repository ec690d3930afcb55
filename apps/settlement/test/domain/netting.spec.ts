import fc from 'fast-check';
import { net, type Obligation, settlementTransferId } from '../../src/domain/netting';

const tenants = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];
const obligation = fc.record({
  payerTenantId: fc.constantFrom(...tenants),
  payeeTenantId: fc.constantFrom(...tenants),
  currency: fc.constantFrom('EUR', 'USD'),
  amount: fc.bigInt({ min: 1n, max: 10n ** 12n }),
});

describe('netting (property-based)', () => {
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

  it('nets sums the same as the obligations they sum (cut-offs net per payer, payee and currency)', () => {
    fc.assert(
      fc.property(fc.array(obligation, { maxLength: 100 }), (obligations) => {
        const sums = new Map<string, Obligation>();
        for (const o of obligations) {
          const key = `${o.payerTenantId}|${o.payeeTenantId}|${o.currency}`;
          const s = sums.get(key) ?? { ...o, amount: 0n };
          s.amount += o.amount;
          sums.set(key, s);
        }
        expect(net([...sums.values()])).toEqual(net(obligations));
      }),
    );
  });

  it('derives a stable ledger id per batch, pair and currency', () => {
    const id = settlementTransferId('batch-1', 'acme', 'globex', 'EUR');
    expect(id).toBe(settlementTransferId('batch-1', 'acme', 'globex', 'EUR'));
    expect(id).not.toBe(settlementTransferId('batch-1', 'globex', 'acme', 'EUR'));
    expect(id).toMatch(/^_stl-[0-9a-f]{48}$/);
  });
});
