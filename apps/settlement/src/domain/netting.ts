import { createHash } from 'node:crypto';
import { PLATFORM_ID_PREFIX } from '@meridian/ledger-contract';

/**
 * Netting, a pure function. Obligations between tenants in one window become:
 * - bilateral nets: per unordered pair and currency, one amount from the net
 *   payer to the net payee (the difference of what each owes the other);
 * - multilateral positions: per tenant and currency, what it receives (+) or
 *   pays (-) in total. They sum to zero per currency.
 */

export interface Obligation {
  payerTenantId: string;
  payeeTenantId: string;
  currency: string;
  amount: bigint;
}

export interface BilateralNet {
  payerTenantId: string;
  payeeTenantId: string;
  currency: string;
  amount: bigint;
}

export interface Position {
  tenantId: string;
  currency: string;
  net: bigint;
}

export interface Netting {
  bilateral: BilateralNet[];
  positions: Position[];
}

export function net(obligations: readonly Obligation[]): Netting {
  // Per (currency, lower tenant, higher tenant): what the lower owes the higher, minus the reverse.
  const pairs = new Map<string, { currency: string; low: string; high: string; lowOwes: bigint }>();
  const positions = new Map<string, Position>();
  for (const o of obligations) {
    if (o.payerTenantId === o.payeeTenantId) continue; // within one tenant: nothing to settle
    const [low, high] =
      o.payerTenantId < o.payeeTenantId
        ? [o.payerTenantId, o.payeeTenantId]
        : [o.payeeTenantId, o.payerTenantId];
    const key = `${o.currency}\u0000${low}\u0000${high}`;
    const pair = pairs.get(key) ?? { currency: o.currency, low, high, lowOwes: 0n };
    pair.lowOwes += o.payerTenantId === low ? o.amount : -o.amount;
    pairs.set(key, pair);
    move(positions, o.payerTenantId, o.currency, -o.amount);
    move(positions, o.payeeTenantId, o.currency, o.amount);
  }
  const bilateral: BilateralNet[] = [];
  for (const pair of [...pairs.values()].sort(byKey((p) => `${p.currency}\u0000${p.low}\u0000${p.high}`))) {
    if (pair.lowOwes === 0n) continue;
    bilateral.push(
      pair.lowOwes > 0n
        ? { payerTenantId: pair.low, payeeTenantId: pair.high, currency: pair.currency, amount: pair.lowOwes }
        : {
            payerTenantId: pair.high,
            payeeTenantId: pair.low,
            currency: pair.currency,
            amount: -pair.lowOwes,
          },
    );
  }
  return {
    bilateral,
    positions: [...positions.values()].sort(byKey((p) => `${p.currency}\u0000${p.tenantId}`)),
  };
}

function move(positions: Map<string, Position>, tenantId: string, currency: string, amount: bigint): void {
  const key = `${currency}\u0000${tenantId}`;
  const position = positions.get(key) ?? { tenantId, currency, net: 0n };
  position.net += amount;
  positions.set(key, position);
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** The ledger id of a settlement transfer: the same batch, pair and currency always give the same id. */
export function settlementTransferId(
  batchId: string,
  payer: string,
  payee: string,
  currency: string,
): string {
  // Ledger ids are at most 64 characters; a digest keeps long tenant ids within that. The
  // platform prefix keeps them out of every tenant's reach: none can take the id first.
  return `${PLATFORM_ID_PREFIX}stl-${createHash('sha256').update(`${batchId}\u0000${payer}\u0000${payee}\u0000${currency}`).digest('hex').slice(0, 48)}`;
}
