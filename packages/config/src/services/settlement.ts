import { z } from 'zod';
import { integer } from '../fields';
import { httpServerPart, ledgerClientPart, redisPart, shutdownPart, telemetryPart } from '../parts';
import { withShutdownRules } from '../rules';

export const settlementConfigSchema = withShutdownRules(
  z.object({
    ...httpServerPart(3002),
    ...shutdownPart,
    ...telemetryPart('settlement'),
    ...redisPart,
    ...ledgerClientPart,
    WORKER_CONCURRENCY: integer({ min: 1, max: 256, default: 4 }).describe(
      'Jobs one settlement process works on at once.',
    ),
  }),
);

export type SettlementConfig = z.output<typeof settlementConfigSchema>;
