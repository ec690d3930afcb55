import { apiConfigSchema } from './api';
import { ledgerConfigSchema } from './ledger';
import { settlementConfigSchema } from './settlement';

export * from './api';
export * from './ledger';
export * from './settlement';
export * from './migrate';

/** Every service's schema by service name; documentation and deployment checks iterate over it. */
export const serviceConfigSchemas = {
  api: apiConfigSchema,
  ledger: ledgerConfigSchema,
  settlement: settlementConfigSchema,
} as const;

export type ServiceName = keyof typeof serviceConfigSchemas;
