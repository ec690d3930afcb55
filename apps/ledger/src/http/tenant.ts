import { CALLER_RULES } from './caller-rules';
import type { LedgerCaller } from './service-token.guard';
import { identifier, parseOrThrow } from './validation';

/** The tenant named in the path; every query of the request is scoped by it. */
export const tenantParam = (value: string): string => parseOrThrow(identifier, value, 'tenantId');

/** An account or transfer id from the path, in the identifiers the caller may use. */
export const idParam = (caller: LedgerCaller, name: string, value: string): string =>
  parseOrThrow(CALLER_RULES[caller].ids, value, name);
