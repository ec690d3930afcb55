import { code, customerCode, identifier, platformOrClientIdentifier } from '@meridian/ledger-contract';
import type { z } from 'zod';
import type { LedgerCaller } from './service-token.guard';

/**
 * What each caller may name, enforced by the ledger itself whatever its
 * callers check first. The api speaks for tenants: client identifiers and
 * customer codes only. The settlement service also keeps the platform's own
 * accounts and transfers inside tenants: identifiers starting with "_" and
 * the settlement transfer code.
 */
export interface CallerRules {
  /** Account and transfer identifiers the caller may use. */
  ids: z.ZodType<string, string>;
  /** Transfer codes the caller may use. */
  code: z.ZodType<number, number>;
  /** Whether the caller sees the platform's accounts in listings. */
  seesPlatformAccounts: boolean;
}

export const CALLER_RULES: Record<LedgerCaller, CallerRules> = {
  api: { ids: identifier, code: customerCode, seesPlatformAccounts: false },
  settlement: { ids: platformOrClientIdentifier, code, seesPlatformAccounts: true },
};

/** Builds a request schema once per caller (schemas are immutable; building them per request would waste time). */
export function perCaller<T>(build: (rules: CallerRules) => T): Record<LedgerCaller, T> {
  return { api: build(CALLER_RULES.api), settlement: build(CALLER_RULES.settlement) };
}
