// Cursor connections (docs/api.md "Pagination", Relay's connection spec): `first` defaults to 50
// and is capped at 500; cursors are opaque and stable (they encode the `_id`, which orders by
// creation); `totalCount` counts every item the viewer may see, only when a query asks for it.
import type { QueryFilter, Model } from 'mongoose';
import { BadInputError } from '../errors';
import { isId } from '../db';
import type { Visible } from '../authz';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/** Set by the @requires directive on a connection field: restricts items to what the viewer may see. */
export const VISIBILITY = Symbol('visibility');

/**
 * The database filter of what a visibility strategy (src/authz/visibility.ts) says the viewer sees:
 * any clause, each clause every `field ∈ ids` (and `createdBy` the viewer when set).
 */
export function visibilityFilter(visible: Visible): Record<string, unknown> {
  const ors = visible.map((clause) => {
    const f: Record<string, unknown> = {};
    for (const [field, ids] of Object.entries(clause.in)) f[field] = { $in: [...ids] };
    if (clause.createdBy !== undefined) f.createdBy = clause.createdBy;
    return f;
  });
  return ors.length === 1 ? ors[0]! : { $or: ors };
}

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  [VISIBILITY]?: Record<string, unknown>;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  /** Items over all pages. A function: GraphQL's default resolver calls it only when the field is selected. */
  totalCount: () => Promise<number> | number;
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
  const all = clauses.length === 1 ? clauses[0]! : { $and: [...clauses] };
  if (args.after) clauses.push({ _id: { $gt: decodeCursor(args.after) } });
  const query = clauses.length === 1 ? clauses[0]! : { $and: clauses };
  // One more than the page: whether a next page exists (with first: 0, whether there is any item).
  const docs = (await model
    .find(query as QueryFilter<T>)
    .sort({ _id: 1 })
    .limit(limit + 1)
    .lean()) as T[];
  return connectionOf(docs, limit, { after: args.after, totalCount: () => model.countDocuments(all as QueryFilter<T>).exec() });
}

/** Shapes `limit + 1` fetched documents into a page. */
export function connectionOf<T extends { _id: string }>(
  docs: T[],
  limit: number,
  opts: { after?: string | null; totalCount: () => Promise<number> | number },
): Connection<T> {
  const hasNextPage = docs.length > limit;
  const page = hasNextPage ? docs.slice(0, limit) : docs;
  const edges = page.map((node) => ({ cursor: encodeCursor(node._id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      // Forward pagination only: a page reached with a cursor has the items up to that cursor before it.
      hasPreviousPage: !!opts.after,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.length ? edges[edges.length - 1]!.cursor : null,
    },
    totalCount: opts.totalCount,
  };
}

export function emptyConnection<T>(): Connection<T> {
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: () => 0 };
}

/** What a connection field resolves to, whatever its node type (codegen maps every *Connection here). */
export type AnyConnection = Connection<{ _id: string }>;
