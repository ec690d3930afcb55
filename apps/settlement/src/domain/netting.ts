import { createHash } from 'node:crypto';
import { MAX_INT64, PLATFORM_ID_PREFIX } from '@meridian/ledger-contract';

/**
 * Netting, a pure function. Obligations between tenants in one window become:
 * - bilateral nets: per unordered pair and currency, one amount from the net
 *   payer to the net payee (the difference of what each owes the other);
 * - multilateral positions: per tenant and currency, what it receives (+) or
 *   pays (-) in total. They sum to zero per currency.
 *
 * Amounts are bigint throughout: one obligation is at most 2^63-1, but sums,
 * nets and positions are not bounded by 64 bits (two maximum-size transfers
 * already pass it). A net is posted to the ledger in parts of at most 2^63-1
 * (`splitAmount`).
 */

export interface Obligation {
  payerTenantId: string;
  payeeTenantId: string;
  currency: string;
  amount: bigint;
  /** How many obligations this stands for, when it is a sum of them (1 when absent). */
  count?: number;
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
  /** Obligations in this currency that the tenant pays or receives. */
  obligationCount: number;
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
    const count = o.count ?? 1;
    move(positions, o.payerTenantId, o.currency, -o.amount, count);
    move(positions, o.payeeTenantId, o.currency, o.amount, count);
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

function move(
  positions: Map<string, Position>,
  tenantId: string,
  currency: string,
  amount: bigint,
  count: number,
): void {
  const key = `${currency}\u0000${tenantId}`;
  const position = positions.get(key) ?? { tenantId, currency, net: 0n, obligationCount: 0 };
  position.net += amount;
  position.obligationCount += count;
  positions.set(key, position);
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * A net as the ledger can take it: parts of at most `max` (2^63-1, the
 * largest transfer), in order, summing to the net. Every part but the last is
 * exactly `max`.
 */
export function splitAmount(amount: bigint, max: bigint = MAX_INT64): bigint[] {
  if (amount <= 0n) throw new RangeError(`a net to post must be positive, not ${amount}`);
  if (max <= 0n) throw new RangeError('the largest part must be positive');
  const parts: bigint[] = [];
  let rest = amount;
  while (rest > max) {
    parts.push(max);
    rest -= max;
  }
  parts.push(rest);
  return parts;
}

/**
 * The ledger id of a settlement transfer, from the instruction it posts (batch,
 * pair, currency, part) and the id's generation (how many ids the ledger
 * refused for it before): the same inputs always give the same id, so a retry
 * whose outcome is unknown sends the same id again and can post only once.
 *
 * Generation 0 of part 0 is the id earlier versions derived from batch, pair
 * and currency alone, so a batch in flight across an upgrade keeps its ids.
 */
export function settlementTransferId(
  batchId: string,
  payer: string,
  payee: string,
  currency: string,
  part = 0,
  generation = 0,
): string {
  const base = `${batchId}\u0000${payer}\u0000${payee}\u0000${currency}`;
  const key = part === 0 && generation === 0 ? base : `${base}\u0000${part}\u0000${generation}`;
  // Ledger ids are at most 64 characters; a digest keeps long tenant ids within that. The
  // platform prefix keeps them out of every tenant's reach: none can take the id first.
  return `${PLATFORM_ID_PREFIX}stl-${createHash('sha256').update(key).digest('hex').slice(0, 48)}`;
}
