import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * An API key is `mk_<key id>_<secret>`. The key id (public, 16 hex) finds the
 * row; the secret (32 random bytes, base64url) is shown once, and only its
 * SHA-256 is stored. A fast hash is right here: the secret has 256 bits of
 * entropy, so there is nothing for a slow hash to protect against.
 */
export interface IssuedKey {
  keyId: string;
  /** The full key, to hand to the customer once. */
  token: string;
  secretHash: string;
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function issueKey(): IssuedKey {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, token: `mk_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

const TOKEN = /^mk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function parseToken(token: string): { keyId: string; secret: string } | null {
  const match = TOKEN.exec(token);
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(secretHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
