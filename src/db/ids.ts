import { Types } from 'mongoose';

/** Documents use 24-hex-character string ids: ordered by creation, unique across collections. */
export function newId(): string {
  return new Types.ObjectId().toHexString();
}

export const ID_PATTERN = /^[0-9a-f]{24}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
