// Fixed-size permission bitsets: one bit per catalogue permission, tested without allocating.
import { PERMISSION_COUNT } from './catalogue';

export const WORDS = Math.ceil(PERMISSION_COUNT / 32);
export type Bits = Uint32Array;

export function emptyBits(): Bits {
  return new Uint32Array(WORDS);
}

export function allBits(): Bits {
  const b = new Uint32Array(WORDS);
  for (let i = 0; i < PERMISSION_COUNT; i++) b[i >>> 5]! |= 1 << (i & 31);
  return b;
}

export function setBit(b: Bits, i: number): void {
  b[i >>> 5]! |= 1 << (i & 31);
}

export function clearBit(b: Bits, i: number): void {
  b[i >>> 5]! &= ~(1 << (i & 31));
}

export function hasBit(b: Bits, i: number): boolean {
  return (b[i >>> 5]! & (1 << (i & 31))) !== 0;
}

export function orInto(target: Bits, src: Bits): void {
  for (let w = 0; w < WORDS; w++) target[w]! |= src[w]!;
}

export function andInto(target: Bits, mask: Bits): void {
  for (let w = 0; w < WORDS; w++) target[w]! &= mask[w]!;
}

export function isEmpty(b: Bits): boolean {
  for (let w = 0; w < WORDS; w++) if (b[w] !== 0) return false;
  return true;
}

export function bitsFromIndexes(indexes: Iterable<number>): Bits {
  const b = emptyBits();
  for (const i of indexes) setBit(b, i);
  return b;
}

export function* indexesOf(b: Bits): Generator<number> {
  for (let i = 0; i < PERMISSION_COUNT; i++) if (hasBit(b, i)) yield i;
}
