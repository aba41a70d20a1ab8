// GET /access/review.csv?accountId=…[&scopeType=…&scopeId=…]: the access review (accessReview) as CSV,
// one row per (principal, scope, permission), for compliance. Same check as the GraphQL field
// (access:review on the account, or on the given scope); another account's id is a 404 (ids cannot
// be probed); the export is audited (`access.review.exported`). Contact data only where the asker may
// see it (src/graphql/authz/people.ts); no secret is in a review.
import { csvWriter } from '../../csv';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { queryString, restContext, restPermissions, sendError } from '../../audit/export';
import {
  permissionBit,
  allowed,
  SCOPE_MODEL,
  SCOPE_TYPES,
  type ScopeType,
  type ReviewEntry,
  type ScopePermissions,
  type AccessStore,
} from '../../authz';
import { loadScopeNode, mayReadContact, type Context } from '../../graphql';
import type { RateLimits } from '../../limits';
import type { Mailer } from '../../mail';
import { BadInputError, ErrorCode } from '../../errors';
import type { UserDoc } from '../identity/user.model';
import { reviewAccess } from './insight.service';

const REVIEW_PERMISSION = 'access:review';
const REVIEW_BIT = permissionBit(REVIEW_PERMISSION);

/** The columns, in order. `token`: empty on a person's own rows, the token's id on its rows. */
export const REVIEW_COLUMNS = ['user', 'name', 'email', 'token', 'tokenName', 'scopeType', 'scopeId', 'scopeName', 'permission'] as const;
type Row = Record<(typeof REVIEW_COLUMNS)[number], string>;

function bad(res: Response, err: unknown): void {
  if (err instanceof BadInputError) return sendError(res, 400, ErrorCode.BAD_USER_INPUT, err.message, { field: err.extensions.field });
  throw err;
}

/** Rows of one review: each permission at each scope; a member with nothing gets one row with empty scope columns. */
async function* rows(ctx: Context, entries: readonly ReviewEntry[]): AsyncGenerator<Row> {
  const users = new Map(
    (await Promise.all(entries.map((e) => ctx.loaders.load<UserDoc>('User', e.userId))))
      .filter((u): u is UserDoc => !!u)
      .map((u) => [u._id, u]),
  );
  const scopeKeys = new Map<string, { type: ScopeType; id: string }>();
  for (const e of entries)
    for (const sp of [...e.permissions, ...e.tokens.flatMap((t) => t.permissions)]) scopeKeys.set(sp.node.id, sp.node);
  const names = new Map<string, string>();
  await Promise.all(
    [...scopeKeys.values()].map(async (n) => {
      const doc = await ctx.loaders.load<{ _id: string; name?: string }>(SCOPE_MODEL[n.type], n.id);
      names.set(n.id, doc?.name ?? '');
    }),
  );
  for (const e of entries) {
    const u = users.get(e.userId);
    const person = {
      user: e.userId,
      name: u?.name ?? '',
      email: u && (await mayReadContact(ctx, e.userId)) ? (u.email ?? '') : '',
    };
    const lines = (token: { id: string; name: string } | null, list: readonly ScopePermissions[]): Row[] =>
      list.flatMap((sp) =>
        sp.permissions.map((permission) => ({
          ...person,
          token: token?.id ?? '',
          tokenName: token?.name ?? '',
          scopeType: sp.node.type,
          scopeId: sp.node.id,
          scopeName: names.get(sp.node.id) ?? '',
          permission,
        })),
      );
    const own = lines(null, e.permissions);
    if (own.length === 0 && e.tokens.length === 0) {
      yield { ...person, token: '', tokenName: '', scopeType: '', scopeId: '', scopeName: '', permission: '' };
    }
    yield* own;
    for (const t of e.tokens) yield* lines({ id: t.token._id, name: t.token.name ?? '' }, t.permissions);
  }
}

export function accessReviewExportHandler(deps: { log: Logger; mailer: Mailer; limits: RateLimits; access: AccessStore }) {
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = res.locals.requestId as string;
    let accountId: string;
    let scope: { type: ScopeType; id: string } | null = null;
    try {
      const a = queryString(req, 'accountId');
      if (!a) throw new BadInputError('accountId is required', 'accountId');
      accountId = a;
      const scopeType = queryString(req, 'scopeType');
      const scopeId = queryString(req, 'scopeId');
      if (!!scopeType !== !!scopeId)
        throw new BadInputError('Give scopeType and scopeId together, or neither', scopeType ? 'scopeId' : 'scopeType');
      if (scopeType && !(SCOPE_TYPES as readonly string[]).includes(scopeType)) {
        throw new BadInputError(`scopeType must be one of ${SCOPE_TYPES.join(', ')}`, 'scopeType');
      }
      if (scopeType) scope = { type: scopeType as ScopeType, id: scopeId! };
    } catch (err) {
      return bad(res, err);
    }

    const ctx = restContext(req, res, deps);
    // As the GraphQL field: the node is located and checked first (another account's is a 404), then it must lie in the account.
    const target = scope ?? { type: 'ACCOUNT' as const, id: accountId };
    const node = await loadScopeNode(ctx, target);
    const compiled = node ? await restPermissions(ctx, res, node.accountId) : null;
    if (compiled === undefined) return;
    if (!node || !compiled)
      return sendError(res, 404, ErrorCode.NOT_FOUND, `No ${target.type.toLowerCase()} with id ${JSON.stringify(target.id)}`);
    if (!allowed(compiled, REVIEW_BIT, node.doc, node.chain, false)) {
      return sendError(res, 403, ErrorCode.FORBIDDEN, `Missing permission ${REVIEW_PERMISSION} on ${node.type} ${node.doc._id}`, {
        permission: REVIEW_PERMISSION,
        scope: { type: node.type, id: node.doc._id },
        canRequestAccess: ctx.principal?.kind === 'user',
      });
    }
    if (node.accountId !== accountId) {
      return sendError(res, 400, ErrorCode.BAD_USER_INPUT, `scope ${node.type} ${node.doc._id} is not in account ${accountId}`, {
        field: 'scopeId',
      });
    }
    const entries = await reviewAccess(ctx, node, 'access.review.exported', { format: 'csv' });

    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="access-review-${node.doc._id}.csv"`);
    res.setHeader('cache-control', 'no-store');
    try {
      await pipeline(Readable.from(rows(ctx, entries)), csvWriter(REVIEW_COLUMNS), res);
    } catch (err) {
      deps.log.error({ requestId, err }, 'access review export failed while streaming');
      res.destroy();
    }
  };
}
