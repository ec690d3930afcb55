import { HttpStatus } from '@nestjs/common';
import { ProblemException, problemType } from '@meridian/bootstrap';
import { differingField, type TransferResult } from '@meridian/ledger-contract';

/**
 * An outcome of the business, not a fault: insufficient funds, an unknown
 * account, a conflicting id. It is final for the request that caused it, so an
 * Idempotency-Key retry replays it rather than trying again.
 */
export class BusinessProblem extends ProblemException {}

const business = (status: HttpStatus, slug: string, title: string, detail: string) =>
  new BusinessProblem({ type: problemType(slug), title, status, detail });

/** The public meaning of each ledger result that is not a success. */
export function problemForResult(result: TransferResult, id: string): BusinessProblem {
  switch (result) {
    case 'exceeds_credits':
      return business(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'insufficient-funds',
        'Insufficient funds',
        'The debit account cannot cover this amount (pending amounts included).',
      );
    case 'exceeds_debits':
      return business(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'credit-limit-exceeded',
        'Credit limit exceeded',
        'The credit account may not be credited beyond what it has been debited.',
      );
    case 'debit_account_not_found':
    case 'credit_account_not_found':
      return business(
        HttpStatus.NOT_FOUND,
        'account-not-found',
        'No such account',
        `${result === 'debit_account_not_found' ? 'The debit' : 'The credit'} account does not exist.`,
      );
    case 'external_credit_refused':
      return business(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'external-credit-refused',
        "The other tenant's account cannot take this transfer",
        'It does not exist, is not open to payments from other tenants, or cannot take this amount in this currency.',
      );
    case 'currency_mismatch':
      return business(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'currency-mismatch',
        'Currencies differ',
        'Both accounts must hold the currency of the transfer.',
      );
    case 'overflows_debits':
    case 'overflows_credits':
      return business(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'balance-overflow',
        'A balance would overflow',
        'An account balance would exceed 2^63-1 minor units.',
      );
    case 'pending_transfer_not_found':
      return business(
        HttpStatus.NOT_FOUND,
        'transfer-not-found',
        // One title per problem type (RFC 9457); the detail says which transfer was missing.
        'No such transfer',
        'The pending transfer does not exist.',
      );
    case 'pending_transfer_not_pending':
    case 'pending_transfer_already_posted':
    case 'pending_transfer_already_voided':
    case 'pending_transfer_expired':
      return business(
        HttpStatus.CONFLICT,
        'pending-transfer-resolved',
        'The transfer is not pending',
        `It can no longer be posted or voided (${result.replace(/_/g, ' ')}).`,
      );
    case 'exceeds_pending_transfer_amount':
      return business(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'exceeds-pending-amount',
        'More than was reserved',
        'Post at most the pending amount.',
      );
    case 'id_already_failed':
      return business(
        HttpStatus.CONFLICT,
        'transfer-id-already-failed',
        'This transfer id failed before',
        `Transfer "${id}" failed earlier and keeps that outcome; use a new id.`,
      );
    default: {
      const field = differingField(result);
      if (field !== null) {
        return business(
          HttpStatus.CONFLICT,
          'transfer-id-conflict',
          'The transfer id exists with other fields',
          `Transfer "${id}" exists with a different ${field.replace(/_/g, ' ')}.`,
        );
      }
      return business(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'transfer-rejected',
        'The transfer was rejected',
        result,
      );
    }
  }
}
