// Cursor connections (CONTRACT.md "Collections"): `first` defaults to 50 and is capped at 500;
// cursors are opaque and stable (they encode the `_id`, which orders by creation).
import type { QueryFilter, Model } from 'mongoose';
import { BadInputError } from '../errors';
import { isId } from '../db/ids';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** Set by the @requires directive on a connection field: restricts items to what the viewer may see. */
export const VISIBILITY = Symbol('visibility');

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  [VISIBILITY]?: Record<string, unknown>;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export function encodeCursor(id: string): string {
  return Buffer.from(`c1:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url').toString();
  const id = raw.startsWith('c1:') ? raw.slice(3) : '';
  if (!isId(id)) throw new BadInputError('Invalid cursor: use an endCursor returned by this API', 'after');
  return id;
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0) throw new BadInputError('first must be a whole number ≥ 0', 'first');
  return Math.min(first, MAX_PAGE);
}

/** One page of `model` documents matching `filter`, narrowed by the directive's visibility filter. */
export async function paginate<T extends { _id: string }>(
  model: Model<T>,
  filter: QueryFilter<T>,
  args: ConnectionArgs,
): Promise<Connection<T>> {
  const limit = pageSize(args.first);
  const clauses: Record<string, unknown>[] = [filter as Record<string, unknown>];
  const visible = args[VISIBILITY];
  if (visible) clauses.push(visible);
  if (args.after) clauses.push({ _id: { $gt: decodeCursor(args.after) } });
  const query = clauses.length === 1 ? clauses[0]! : { $and: clauses };
  const docs =
    limit === 0
      ? []
      : ((await model
          .find(query as QueryFilter<T>)
          .sort({ _id: 1 })
          .limit(limit + 1)
          .lean()) as T[]);
  return connectionOf(docs, limit);
}

/** Shapes `limit + 1` fetched documents into a page. */
export function connectionOf<T extends { _id: string }>(docs: T[], limit: number): Connection<T> {
  const hasNextPage = docs.length > limit;
  const page = hasNextPage ? docs.slice(0, limit) : docs;
  const edges = page.map((node) => ({ cursor: encodeCursor(node._id), node }));
  return { edges, pageInfo: { hasNextPage, endCursor: edges.length ? edges[edges.length - 1]!.cursor : null } };
}

export function emptyConnection<T>(): Connection<T> {
  return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
}

/** What a connection field resolves to, whatever its node type (codegen maps every *Connection here). */
export type AnyConnection = Connection<{ _id: string }>;
