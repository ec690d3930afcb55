import { Controller, Get, HttpCode, HttpStatus, Post, Res, UseGuards } from '@nestjs/common';
import { AdminTokenGuard, ProblemException, ValidBody, ValidParam, ValidQuery } from '@meridian/bootstrap';
import type { FastifyReply } from 'fastify';
import { InstructionPoster, type OperatorResult } from '../application/instruction-poster';
import {
  cancelRequest,
  type CancelRequest,
  instructionRef,
  instructionsQuery,
  type InstructionsQuery,
} from './instruction-requests';
import { operatorInstruction, SettlementViews } from './settlement-views';

export const instructionNotFound = (ref: string) =>
  ProblemException.of(
    HttpStatus.NOT_FOUND,
    'instruction-not-found',
    'No such settlement instruction',
    `No instruction has the id or current transfer id "${ref}" (an instruction's transfer id changes after each refusal; its id does not).`,
  );

const alreadyPosted = (instruction: unknown) =>
  ProblemException.of(
    HttpStatus.CONFLICT,
    'instruction-already-posted',
    'The instruction is posted',
    'The ledger holds its settlement transfer; a posted instruction cannot be re-driven or cancelled.',
    { instruction },
  );

/**
 * The operator's API for settlement instructions (ADMIN_TOKEN): list them by
 * state, re-drive one (attempt it now, once its cause is fixed), cancel one
 * (it never posts; the reason is kept). The same operations exist as a
 * command: `node apps/settlement/dist/cli.js instructions`.
 */
@Controller('admin/instructions')
@UseGuards(AdminTokenGuard)
export class AdminInstructionsController {
  constructor(
    private readonly views: SettlementViews,
    private readonly poster: InstructionPoster,
  ) {}

  @Get()
  list(@ValidQuery(instructionsQuery) query: InstructionsQuery) {
    return this.views.instructions(query);
  }

  /** Attempts the instruction now, whatever its schedule; answers it as it is afterwards (posted, or pending with the reason). */
  @Post(':transferId/redrive')
  @HttpCode(200)
  async redrive(@ValidParam('transferId', instructionRef) id: string) {
    const result = pendingOrThrow(id, await this.poster.redrive(id));
    const instruction = operatorInstruction(result.instruction);
    switch (result.kind) {
      case 'cancelled':
        throw ProblemException.of(
          HttpStatus.CONFLICT,
          'instruction-cancelled',
          'The instruction is cancelled',
          'An operator cancelled it (or asked to): it is never attempted again.',
          { instruction },
        );
      case 'in-flight':
        throw ProblemException.of(
          HttpStatus.CONFLICT,
          'instruction-in-flight',
          'An attempt of the instruction is in flight',
          'Another attempt is being made right now; look at the instruction again in a few seconds.',
          { instruction, retryAfterSeconds: 5 },
        );
      case 'done':
        return instruction;
    }
  }

  /**
   * Cancels a pending instruction: 200 once its transfer id is fenced in the
   * ledger (it can never post), 202 when the request is recorded but the
   * ledger could not be reached (the retry loop fences it), 409 when it is
   * (or turns out to be) posted. Cancelling a cancelled one answers it as it is.
   */
  @Post(':transferId/cancel')
  @HttpCode(200)
  async cancel(
    @ValidParam('transferId', instructionRef) id: string,
    @ValidBody(cancelRequest) { reason }: CancelRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = pendingOrThrow(id, await this.poster.cancel(id, reason));
    if (result.kind !== 'cancelled') void reply.status(202);
    return operatorInstruction(result.instruction);
  }
}

/** The result of a request about an instruction that exists and is not posted; the problem otherwise. */
function pendingOrThrow(id: string, result: OperatorResult) {
  if (result.kind === 'not-found') throw instructionNotFound(id);
  if (result.kind === 'posted') throw alreadyPosted(operatorInstruction(result.instruction));
  return result;
}
