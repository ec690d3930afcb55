import { MeridianNetworkError } from '@meridian/sdk';
import type { StatusClass } from '../report/summary';
import type { SentTransfer, TransferBook, Verdict } from '../audit/transfer-book';
import type { OperationReport } from './scenario';

/** An answer the SDK gave back, or the error it threw when none came. */
export type Answer =
  | { response: Response; data?: unknown; error?: { type?: string; status?: number } | undefined }
  | { thrown: unknown };

export const statusClassOf = (status: number): StatusClass =>
  status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx';

/** Why an answer is a failure (undefined for a 2xx). */
export function failureOf(answer: Answer): string | undefined {
  if ('thrown' in answer) return answer.thrown instanceof MeridianNetworkError ? 'network' : 'client-error';
  if (answer.response.ok) return undefined;
  return answer.error?.type ?? `http-${answer.response.status}`;
}

/**
 * What an answer says about the transfer it carried: a 2xx did it; no answer,
 * a 5xx, or "the same key is still in flight" leave it in doubt; any other
 * 4xx is a definitive refusal.
 */
export function verdictOf(answer: Answer): Verdict {
  if ('thrown' in answer) return 'in-doubt';
  const { status } = answer.response;
  if (status < 300) return 'acknowledged';
  if (status >= 500 || answer.error?.type?.endsWith('/idempotency-key-in-flight')) return 'in-doubt';
  return 'refused';
}

export function reportOf(answer: Answer, requests = 1): OperationReport {
  const failure = failureOf(answer);
  return {
    status: 'thrown' in answer ? 'network' : statusClassOf(answer.response.status),
    ...(failure === undefined ? {} : { failure }),
    requests,
  };
}

/** Calls the SDK, turning a thrown network failure into an answer. */
export async function answerOf(
  call: () => Promise<{ response: Response; data?: unknown; error?: unknown }>,
): Promise<Answer> {
  try {
    const { response, data, error } = await call();
    return { response, data, error: error as { type?: string } | undefined };
  } catch (thrown) {
    return { thrown };
  }
}

/** Records a transfer in the book with what its answer said, and reports the operation. */
export function booked(
  book: TransferBook,
  transfer: SentTransfer,
  answer: Answer,
  requests = 1,
): OperationReport {
  book.record(transfer, verdictOf(answer), failureOf(answer) ?? '');
  return reportOf(answer, requests);
}
