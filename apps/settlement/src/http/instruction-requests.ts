import { storableText } from '@meridian/ledger-contract';
import { z } from 'zod';
import { INSTRUCTION_STATES } from '../domain/instruction';

/**
 * What operators send about instructions, through the admin API and the
 * command line alike.
 */

/** An instruction's id, or its current transfer id (both `_stl-` and 48 hex digits). */
export const instructionRef = z.string().regex(/^_stl-[0-9a-f]{48}$/, {
  error: 'must be an instruction id or transfer id ("_stl-" and 48 hex digits)',
});

export const instructionsQuery = z.strictObject({
  state: z
    .enum(INSTRUCTION_STATES, { error: `must be one of ${INSTRUCTION_STATES.join(', ')}` })
    .default('pending'),
  batchId: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'is not a settlement batch id' })
    .optional(),
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 1000' })
    .int({ error: 'must be a whole number from 1 to 1000' })
    .min(1, { error: 'must be a whole number from 1 to 1000' })
    .max(1_000, { error: 'must be a whole number from 1 to 1000' })
    .default(100),
});

/** Why an operator cancels: kept with the instruction, shown to operators only. */
export const cancelRequest = z.strictObject({
  reason: storableText(500).trim().min(1, { error: 'must say why (1 to 500 characters)' }),
});

export type InstructionsQuery = z.output<typeof instructionsQuery>;
export type CancelRequest = z.output<typeof cancelRequest>;
