import type { LedgerConfig } from '@meridian/config';
import { tokenGuard } from '@meridian/bootstrap';

/** Only Meridian's own services call the ledger: every route behind this guard needs the service token. */
export const ServiceTokenGuard = tokenGuard(
  (config: LedgerConfig) => config.LEDGER_SERVICE_TOKEN,
  'service token',
);
