// The profile fields people give when they are created or accept an invitation: bounded, trimmed.
import { BadInputError } from '../../errors';

const FIELD_MAX = 100;
export const SIGNATURE_MAX = 2000;

/** Optional text: trimmed, bounded, blank → undefined. */
export function optional(value: string | null | undefined, field: string, max = FIELD_MAX): string | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value.trim();
  if (v.length > max) throw new BadInputError(`${field} must be at most ${max} characters`, field);
  return v || undefined;
}

/** "First Last", else the fallback (a username or the address's local part). */
export function displayName(first: string | undefined, last: string | undefined, fallback: string): string {
  return [first, last].filter(Boolean).join(' ') || fallback;
}
