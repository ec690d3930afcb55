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
 * a 5xx, a rate limit (429) or "the same key is still in flight" (409) leave
 * it in doubt, since a retry of a request that was done can get either; any
 * other 4xx is a definitive refusal.
 */
export function verdictOf(answer: Answer): Verdict {
  if ('thrown' in answer) return 'in-doubt';
  const { status } = answer.response;
  if (status < 300) return 'acknowledged';
  if (status >= 500 || status === 429 || answer.error?.type?.endsWith('/idempotency-key-in-flight'))
    return 'in-doubt';
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

/** The verdict of a request that carries one transfer: its answer's. */
export const singleVerdict = (answer: Answer) => ({
  verdict: verdictOf(answer),
  detail: failureOf(answer) ?? '',
});

/** Sends a transfer's request, books the transfer with what the answer said, and reports the operation. */
export async function sendAndBook(
  book: TransferBook,
  transfer: SentTransfer,
  client: Parameters<SentTransfer['request']['send']>[0],
  requests = 1,
): Promise<OperationReport> {
  const answer = await transfer.request.send(client);
  const { verdict, detail } = transfer.request.verdictOf(answer, transfer.id);
  book.record(transfer, verdict, detail);
  return reportOf(answer, requests);
}
