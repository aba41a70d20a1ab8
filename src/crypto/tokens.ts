import { createHash, randomBytes } from 'node:crypto';

/** A URL-safe random string from a CSPRNG with `bytes` bytes of entropy. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Lookup hash for opaque tokens (sessions, invitations, partner tokens): stored instead of the token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new string id, 24 hex characters, ordered by creation time like a MongoDB ObjectId. */
export { newId } from '../db';
