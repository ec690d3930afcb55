import { z } from 'zod';
import { httpServerPart, ledgerClientPart, redisPart, shutdownPart, telemetryPart } from '../parts';
import { withShutdownRules } from '../rules';

export const apiConfigSchema = withShutdownRules(
  z.object({
    ...httpServerPart(3000),
    ...shutdownPart,
    ...telemetryPart('api'),
    ...redisPart,
    ...ledgerClientPart,
  }),
);

export type ApiConfig = z.output<typeof apiConfigSchema>;
