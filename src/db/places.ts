// Lists that grow without bound, paged by keys the embedded database can use (issue #19): it uses an
// index only for `_id` and unique keys (equality and `$in`, on one field: a compound unique key
// serves equality only), never for a range, so `find({parent}).sort().limit()` reads a large part of
// a 100k list. Each item of such a list carries a unique `place`, `"<parentId>:<n>"`, with `n` counting
// up in the list's order; a page is then one or a few `place $in` reads of the next places after the
// cursor's. Used by the audit log (n: the event's seq in the account's chain) and email logs (n: a
// counter on the domain or campaign, reserved with one `$inc`). Places may have gaps (deleted items,
// places reserved by a write that was refused or died): the walk reads wider windows while it comes
// up short, and gives up past a bound, so that the caller answers with its plain query instead.
// MongoDB serves the same reads from the unique index, and keeps the compound indexes of the plain query.
import type { Model } from 'mongoose';

export const placeKey = (parentId: string, n: number): string => `${parentId}:${n}`;

/** The `n` of a place `"<parentId>:<n>"`; null when the item has no numbered place. */
export function placeNumber(place: string | null | undefined): number | null {
  if (typeof place !== 'string') return null;
  const n = Number(place.slice(place.lastIndexOf(':') + 1));
  return Number.isSafeInteger(n) ? n : null;
}

/** Keys read at most per `$in` (and the widest window). */
const MAX_WINDOW = 2000;
/** Windows read at most before the walk gives up (gaps of deleted items too wide to walk). */
const MAX_ROUNDS = 8;

export interface PlaceWalk<T> {
  model: Model<T>;
  parentId: string;
  /** The first place that may hold an item (after the cursor, or the list's start). */
  from: number;
  /** Past the last place reserved: nothing is looked for at or after it. */
  to: number;
  /** Items wanted: a page is `limit` items plus one, to tell whether a next page exists. */
  want: number;
  /** Fields read. */
  select?: Record<string, 0 | 1>;
}

/**
 * Up to `want` items at places from `from` on, in place order; null when the gaps were too wide to
 * walk in a few reads (the caller answers with its plain query).
 */
export async function walkPlaces<T extends { _id: string; place?: string | null }>(w: PlaceWalk<T>): Promise<T[] | null> {
  const found: T[] = [];
  let at = w.from;
  let span = Math.min(w.want, MAX_WINDOW);
  for (let round = 0; found.length < w.want && at < w.to; round++) {
    if (round === MAX_ROUNDS) return null;
    const end = Math.min(at + span, w.to);
    const keys = Array.from({ length: end - at }, (_, i) => placeKey(w.parentId, at + i));
    let q = w.model.find({ place: { $in: keys } } as never);
    if (w.select) q = q.select(w.select);
    const docs = (await q.lean().exec()) as unknown as T[];
    docs.sort((x, y) => placeNumber(x.place)! - placeNumber(y.place)!);
    found.push(...docs);
    at = end;
    // Short by gaps: the next window is wider.
    span = Math.min(span * 2, MAX_WINDOW);
  }
  return found.slice(0, w.want);
}
