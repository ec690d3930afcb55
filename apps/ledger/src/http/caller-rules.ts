import { code, customerCode, identifier, platformOrClientIdentifier } from '@meridian/ledger-contract';
import type { z } from 'zod';
import { CALLERS } from '../callers';
import type { LedgerCaller } from './service-token.guard';

/**
 * What each caller may name, enforced by the ledger itself whatever its
 * callers check first. A caller speaks for tenants unless named below: client
 * identifiers and customer codes only (the api, and any service a fork adds).
 * The settlement service also keeps the platform's own accounts and transfers
 * inside tenants: identifiers starting with "_" and the settlement transfer code.
 */
export interface CallerRules {
  /** Account and transfer identifiers the caller may use. */
  ids: z.ZodType<string, string>;
  /** Transfer codes the caller may use. */
  code: z.ZodType<number, number>;
  /** Whether the caller sees the platform's accounts in listings. */
  seesPlatformAccounts: boolean;
}

const TENANT_SCOPED: CallerRules = { ids: identifier, code: customerCode, seesPlatformAccounts: false };

/** The callers with more than the tenant-scoped rules, by name (a name the registry drops is simply unused). */
const PLATFORM_CALLERS: Readonly<Record<string, CallerRules>> = {
  settlement: { ids: platformOrClientIdentifier, code, seesPlatformAccounts: true },
};

export const rulesOf = (caller: LedgerCaller): CallerRules => PLATFORM_CALLERS[caller] ?? TENANT_SCOPED;

/** Builds a request schema once per caller (schemas are immutable; building them per request would waste time). */
export function perCaller<T>(build: (rules: CallerRules) => T): Record<LedgerCaller, T> {
  return Object.fromEntries(CALLERS.map((caller) => [caller, build(rulesOf(caller))])) as Record<
    LedgerCaller,
    T
  >;
}
