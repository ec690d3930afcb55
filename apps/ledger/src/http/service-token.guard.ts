import type { LedgerConfig } from '../config';
import { tokenGuard } from '@meridian/bootstrap';
import { tokensByCaller } from '@meridian/config';
import { type Caller, CALLERS } from '../callers';

/** Who calls the ledger: each service whose registry entry declares the edge, with its own token. */
export type LedgerCaller = Caller;

/** Only Meridian's own services call the ledger: every route behind this guard needs a service token. */
export const ServiceTokenGuard = tokenGuard(
  (config: LedgerConfig) => tokensByCaller(config, CALLERS),
  'service token',
);
