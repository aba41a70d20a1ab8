// whoCan and accessReview (docs/access-insight.md): the account-wide answers of access insight. The computing is in
// src/authz (who-can.ts, review.ts, from one read of the account's access facts); here: arguments,
// the part of the account a review covers, and the audit of every review (GraphQL and CSV alike).
import { type Context, loadScopeNode } from '../../graphql';
import type { QueryAccessReviewArgs, QueryWhoCanArgs, ScopeInput } from '../../generated';
import {
  parsePermission,
  permissionBit,
  UnknownPermissionError,
  ancestorIds,
  type ScopeNode,
  SCOPE_MODEL,
  reviewFrom,
  type ReviewEntry,
  type ReviewNode,
  accountAccess,
  whoCan as holdersAt,
  type Holder,
} from '../../authz';
import { BadInputError, NotFoundError } from '../../errors';

/** A plain `resource:action` of the catalogue; anything else is BAD_USER_INPUT on `permission`. */
function plainPermission(raw: string): string {
  const text = String(raw).trim();
  if (text.length > 100) throw new BadInputError('permission is at most 100 characters', 'permission');
  try {
    return parsePermission(text).text;
  } catch (err) {
    if (err instanceof UnknownPermissionError) throw new BadInputError(err.message, 'permission');
    throw err;
  }
}

export async function whoCan(ctx: Context, input: QueryWhoCanArgs): Promise<Holder[]> {
  const permission = plainPermission(input.permission);
  const node = await loadScopeNode(ctx, input.scope); // located and checked by the directive
  if (!node) throw new NotFoundError(input.scope.type.toLowerCase(), input.scope.id);
  const version = (await ctx.authz.load(node.accountId))?.version;
  return holdersAt(ctx.access, { accountId: node.accountId, permission, bit: permissionBit(permission), node, version });
}

/** The root of a review: the scope node, which must lie in the account. */
export function reviewRoot(node: ScopeNode): ReviewNode {
  return { type: node.type, id: node.doc._id, doc: node.doc, chain: node.chain };
}

/**
 * The part of the account a review covers: `scope` when given (it must lie in the account), else the
 * account. The caller has checked access:review there (the directive, or the CSV endpoint).
 */
export async function reviewScope(ctx: Context, accountId: string, scope?: ScopeInput | null): Promise<ScopeNode> {
  const node = await loadScopeNode(ctx, scope ?? { type: 'ACCOUNT', id: accountId });
  if (!node) throw new NotFoundError(scope ? scope.type.toLowerCase() : 'account', scope?.id ?? accountId);
  if (node.accountId !== accountId) throw new BadInputError(`scope ${scope!.type} ${scope!.id} is not in account ${accountId}`, 'scope');
  return node;
}

/** The review of the part of the account at `node`, recorded in the audit log as `action`. */
export async function reviewAccess(
  ctx: Context,
  node: ScopeNode,
  action: 'access.reviewed' | 'access.review.exported',
  meta: Record<string, unknown> = {},
): Promise<ReviewEntry[]> {
  const now = new Date();
  const acc = await accountAccess(ctx.access, node.accountId, now, (await ctx.authz.load(node.accountId))?.version);
  const root = reviewRoot(node);
  const entries = reviewFrom(acc, root, now.getTime(), { everyMember: root.type === 'ACCOUNT' });
  await ctx.audit.record({
    accountId: node.accountId,
    workspaceId: ancestorIds(node).workspaceId,
    action,
    target: { type: SCOPE_MODEL[node.type], id: root.id },
    meta: {
      ...meta,
      scope: { type: root.type, id: root.id },
      members: entries.length,
      tokens: entries.reduce((n, e) => n + e.tokens.length, 0),
    },
  });
  return entries;
}

export async function accessReview(ctx: Context, input: QueryAccessReviewArgs): Promise<ReviewEntry[]> {
  return reviewAccess(ctx, await reviewScope(ctx, input.accountId, input.scope), 'access.reviewed');
}
