import type { LedgerConfig } from '../config';
import { tokenGuard } from '@meridian/bootstrap';

/** Who calls the ledger: each of Meridian's services with its own token, so the ledger knows which one. */
export type LedgerCaller = 'api' | 'settlement';

/** Only Meridian's own services call the ledger: every route behind this guard needs a service token. */
export const ServiceTokenGuard = tokenGuard(
  (config: LedgerConfig): Record<LedgerCaller, (string | undefined)[]> => ({
    api: [config.INBOUND_API_TOKEN, config.INBOUND_API_TOKEN_NEXT],
    settlement: [config.INBOUND_SETTLEMENT_TOKEN, config.INBOUND_SETTLEMENT_TOKEN_NEXT],
  }),
  'service token',
);
