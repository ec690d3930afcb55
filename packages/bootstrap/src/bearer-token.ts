import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Who may call a service, and with which shared secrets (service tokens, the
 * admin token): each caller by name, with its current token and, while a
 * rotation is under way, the next one. Unset tokens are skipped.
 */
export type Callers = Record<string, readonly (string | undefined)[]>;

/**
 * The credentials of `Authorization: Bearer <token>`. Tokens are compared
 * through SHA-256 digests in constant time, every one of them each time, so
 * neither a token's content, its length nor which caller it belongs to leaks
 * through timing.
 */
export class BearerCredentials {
  readonly #known: { caller: string; digest: Buffer }[];

  constructor(callers: Callers) {
    this.#known = Object.entries(callers).flatMap(([caller, tokens]) =>
      tokens.filter((t): t is string => t !== undefined).map((token) => ({ caller, digest: digest(token) })),
    );
  }

  /** The caller whose token the header bears, or null. */
  identify(authorization: string | undefined): string | null {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) return null;
    const presented = digest(token);
    let caller: string | null = null;
    for (const known of this.#known) {
      if (timingSafeEqual(presented, known.digest)) caller ??= known.caller;
    }
    return caller;
  }
}
