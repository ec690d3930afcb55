import { z } from 'zod';
import { databasePart, httpServerPart, ledgerAuthPart, shutdownPart, telemetryPart } from '../parts';
import { withShutdownRules } from '../rules';

export const ledgerConfigSchema = withShutdownRules(
  z.object({
    ...httpServerPart(3001),
    ...shutdownPart,
    ...telemetryPart('ledger'),
    ...databasePart,
    ...ledgerAuthPart,
  }),
);

export type LedgerConfig = z.output<typeof ledgerConfigSchema>;
