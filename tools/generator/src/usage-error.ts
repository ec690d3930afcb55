/** A mistake in what was asked for (exit code 64), as opposed to a failure while doing it. */
export class UsageError extends Error {}
