import type { SettlementConfig } from '../config';
import { tokenGuard } from '@meridian/bootstrap';

/** The operator's endpoints (/admin) need `Authorization: Bearer $ADMIN_TOKEN`. */
export const AdminTokenGuard = tokenGuard(
  (config: SettlementConfig) => ({ operator: [config.ADMIN_TOKEN, config.ADMIN_TOKEN_NEXT] }),
  'admin token',
);
