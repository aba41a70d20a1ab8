// Shared checks of the marketing services: names, subjects and optional text fields.
import { BadInputError } from '../../errors';

export const NAME_MAX = 100;
export const PERSON_NAME_MAX = 100;
export const SUBJECT_MAX = 255;

export function cleanName(value: unknown, field: string, max = NAME_MAX): string {
  if (typeof value !== 'string') throw new BadInputError(`${field} must be text`, field);
  const name = value.trim();
  if (!name) throw new BadInputError(`${field} must not be empty`, field);
  if (name.length > max) throw new BadInputError(`${field} must be at most ${max} characters`, field);
  return name;
}

/** Optional text: null/undefined/blank → null; trimmed; bounded. */
export function cleanOptional(value: unknown, field: string, max: number): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new BadInputError(`${field} must be text`, field);
  const s = value.trim();
  if (!s) return null;
  if (s.length > max) throw new BadInputError(`${field} must be at most ${max} characters`, field);
  return s;
}

/** Whether the input object carries `key` at all (an explicit null clears; absent keeps). */
export function has(input: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(input, key) && (input as Record<string, unknown>)[key] !== undefined;
}
