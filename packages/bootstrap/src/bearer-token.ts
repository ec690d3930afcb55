import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * A shared secret presented as `Authorization: Bearer <token>` (service
 * tokens, the admin token). Compared through SHA-256 digests in constant
 * time, so neither the token's content nor its length leaks through timing.
 */
export class BearerToken {
  readonly #expected: Buffer;

  constructor(token: string) {
    this.#expected = digest(token);
  }

  matches(authorization: string | undefined): boolean {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    return token !== undefined && timingSafeEqual(digest(token), this.#expected);
  }
}
