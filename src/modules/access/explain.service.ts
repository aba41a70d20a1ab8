// explainAccess: the decision and its path for a person or a token at a scope node. The service reads the
// input (permission, scope node, token) through the request; everything decided is src/authz/explain.ts.
import { type Context, loadScopeNode } from '../../graphql';
import { parsePermission, UnknownPermissionError, explainAccess as explain, type ExplainToken } from '../../authz';
import type { AccessExplanation as GqlExplanation, QueryExplainAccessArgs, ScopeInput } from '../../generated';
import { BadInputError, NotFoundError } from '../../errors';
import type { ApiTokenDoc } from './token.model';

export async function explainAccess(ctx: Context, input: QueryExplainAccessArgs): Promise<GqlExplanation> {
  if (input.userId && input.tokenId) throw new BadInputError('Explain for a user or for a token, not both', 'tokenId');
  let permission: string;
  try {
    permission = parsePermission(String(input.permission).trim()).text;
  } catch (err) {
    if (err instanceof UnknownPermissionError) throw new BadInputError(err.message, 'permission');
    throw err;
  }
  const node = (await loadScopeNode(ctx, input.scope))!; // located and checked by the directive
  const scope = { type: input.scope.type, id: node.doc._id };
  // The account's version as this request read it: the core reuses the facts a whoCan or review read at it.
  const version = (await ctx.authz.load(node.accountId))?.version;
  let userId = input.userId ?? ctx.actorId;
  let token: ExplainToken | null = null;
  if (input.tokenId) {
    const t = await ctx.loaders.load<ApiTokenDoc>('ApiToken', input.tokenId);
    if (!t || t.accountId !== node.accountId) throw new NotFoundError('ApiToken', input.tokenId);
    userId = t.userId;
    token = { id: t._id, scopes: t.scopes, workspaceIds: t.workspaceIds, revokedAt: t.revokedAt, expiresAt: t.expiresAt };
  }
  // The decision, its path, a lapsed token and a person who is no member (NOT_FOUND) are the core's (src/authz/explain.ts).
  const result = await explain(ctx.access, { accountId: node.accountId, userId, token, permission, node, version });
  return { ...result, steps: result.steps.map((s) => ({ ...s, bindingId: s.bindingId ?? null })), permission, scope };
}

/**
 * Viewer.explain: explainAccess about the caller themself (a person, or the token they call with),
 * which needs no access:review — anyone may ask why they were refused. Only at a node of an account
 * the caller belongs to; anywhere else NOT_FOUND, as for every other field.
 */
export async function explainMine(ctx: Context, permission: string, scope: ScopeInput): Promise<GqlExplanation> {
  const principal = ctx.principal;
  const node = await loadScopeNode(ctx, scope);
  if (!principal || !node || !(await ctx.authz.load(node.accountId))) throw new NotFoundError(scope.type.toLowerCase(), scope.id);
  return explainAccess(
    ctx,
    principal.kind === 'token' ? { permission, scope, tokenId: principal.tokenId } : { permission, scope, userId: principal.userId },
  );
}
