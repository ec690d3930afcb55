import { Injectable } from '@nestjs/common';
import {
  type AccountResults,
  isSuccess,
  MAX_INT64,
  SETTLEMENT_TRANSFER_CODE,
} from '@meridian/ledger-contract';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
import { InjectLogger, type Logger } from '@meridian/telemetry';
import { settlementAccountId } from '../domain/instruction';
import { AccountEpochStore } from './account-epoch-store.port';
import { concurrently, LEDGER_CALLS_PER_ROUND } from './concurrently';
import { SettlementMetrics } from './settlement-metrics';

/** A settlement account of one tenant: its currency and epoch name it. */
export interface AccountRef {
  tenantId: string;
  currency: string;
  epoch: number;
}

/** Why the accounts of a tenant could not be made sure of: the reason its instructions record. */
export type AccountFailure = { kind: 'unknown' | 'refused'; reason: string };

const refKey = (ref: AccountRef) => `${ref.tenantId}\u0000${ref.currency}\u0000${ref.epoch}`;
const epochKey = (tenantId: string, currency: string) => `${tenantId}\u0000${currency}`;

/**
 * Each tenant settles through one platform account per currency in the
 * ledger (its id starts with "_": no tenant can create, name or move money
 * through it; only this service's credential can). Other tenants' net
 * settlements are credited to it, so it accepts external credits.
 *
 * The ledger bounds an account's lifetime debits and credits by 2^63-1. When
 * a settlement would pass that, the tenant's account for the currency rolls
 * over to the next epoch (`_settlement-EUR`, `_settlement-EUR.1`, ...); the
 * current epoch per tenant and currency is kept here, in this service's
 * database.
 */
@Injectable()
export class SettlementAccounts {
  private readonly logger: Logger;
  /** Accounts known to exist in the ledger (they are never deleted). */
  private readonly known = new Set<string>();

  constructor(
    private readonly epochs: AccountEpochStore,
    @InjectServiceClient('ledger') private readonly ledger: ServiceClient,
    private readonly metrics: SettlementMetrics,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'settlement-accounts' });
  }

  /** The current epoch of each (tenant, currency) asked for; 0 when it never rolled over. */
  async currentEpochs(
    pairs: readonly { tenantId: string; currency: string }[],
  ): Promise<(tenantId: string, currency: string) => number> {
    const rows = await this.epochs.current(pairs);
    const epochs = new Map(rows.map((row) => [epochKey(row.tenantId, row.currency), row.epoch]));
    return (tenantId, currency) => epochs.get(epochKey(tenantId, currency)) ?? 0;
  }

  /**
   * Moves the tenant on from the account of epoch `from` (the one that would
   * overflow) to the next, unless another attempt already did.
   */
  async rollOver(tenantId: string, currency: string, from: number): Promise<void> {
    if (await this.epochs.advance(tenantId, currency, from)) {
      this.metrics.accountRollovers.inc();
      this.logger.warn(
        {
          tenantId,
          currency,
          from: settlementAccountId(currency, from),
          to: settlementAccountId(currency, from + 1),
        },
        'settlement account reached the 64-bit limit; rolled over to a new one',
      );
    }
  }

  /**
   * Makes sure the accounts exist in the ledger, one call per tenant. An
   * account that exists with other settings (an operator made it) is taken as
   * it is: the transfers through it say whether it can settle. Returns, per
   * tenant whose accounts could not be made sure of, why.
   */
  async ensure(refs: readonly AccountRef[]): Promise<Map<string, AccountFailure>> {
    const missing = new Map<string, Map<string, AccountRef>>();
    for (const ref of refs) {
      if (this.known.has(refKey(ref))) continue;
      const own = missing.get(ref.tenantId) ?? new Map<string, AccountRef>();
      own.set(refKey(ref), ref);
      missing.set(ref.tenantId, own);
    }
    const failures = new Map<string, AccountFailure>();
    await concurrently([...missing], LEDGER_CALLS_PER_ROUND, async ([tenantId, own]) => {
      const accounts = [...own.values()];
      try {
        const reply = await this.ledger.post<AccountResults>(
          `/v1/tenants/${tenantId}/accounts`,
          {
            accounts: accounts.map((ref) => ({
              id: settlementAccountId(ref.currency, ref.epoch),
              currency: ref.currency,
              code: SETTLEMENT_TRANSFER_CODE,
              // Net settlements from other tenants are credited here.
              flags: { acceptsExternalCredits: true },
            })),
          },
          { affinityKey: tenantId },
        );
        if (reply.status !== 200) {
          failures.set(tenantId, { kind: 'refused', reason: `settlement_account_refused_${reply.status}` });
          return;
        }
        reply.body.results.forEach((item, index) => {
          const ref = accounts[index]!;
          if (!isSuccess(item.result))
            this.logger.warn(
              { tenantId, accountId: item.id, result: item.result },
              'settlement account exists with other settings; using it as it is',
            );
          this.known.add(refKey(ref));
        });
      } catch {
        // The ledger client has logged why; the instructions record that the ledger was not reachable.
        failures.set(tenantId, { kind: 'unknown', reason: 'ledger_unavailable' });
      }
    });
    return failures;
  }

  /**
   * Whether crediting `amount` to the account would pass 2^63-1 (pending
   * credits included, as the ledger counts them). The ledger answers
   * `external_credit_refused` for any refusal of another tenant's account,
   * so this is how an overflow is told apart. Null when the ledger cannot say now.
   */
  async creditWouldOverflow(ref: AccountRef, amount: bigint): Promise<boolean | null> {
    try {
      const reply = await this.ledger.get<{ balances: { creditsPosted: string; creditsPending: string } }>(
        `/v1/tenants/${ref.tenantId}/accounts/${settlementAccountId(ref.currency, ref.epoch)}`,
      );
      if (reply.status !== 200) return null;
      const { creditsPosted, creditsPending } = reply.body.balances;
      return BigInt(creditsPosted) + BigInt(creditsPending) + amount > MAX_INT64;
    } catch {
      return null;
    }
  }
}
