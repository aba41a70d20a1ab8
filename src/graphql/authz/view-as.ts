// View as (docs/api.md "View as"): an admin holding access:viewAs on an account runs queries as a member of it, as
// a role bound at a scope of it, or as one of its partner tokens — to see exactly the masks and
// denials that principal gets, without its password or a minted token. Asked for with the header
// `X-Postern-View-As` (src/graphql/plugins/view-as.ts):
//
//   member:<userId>                      a member of an account the admin may view as in
//   role:<roleId>@<scopeId>              a new member holding the role at that node (any scope type)
//   role:<roleId>@<SCOPE_TYPE>:<scopeId> the same, the node's type given
//   token:<apiTokenId>                   a partner token in force (its scopes and workspaces)
//
// Read-only (only queries run), never a secret in plaintext (every @sensitive field is masked,
// even where the viewed principal could reveal it), one account only (every other account is
// not found), and every use is audited as `access.viewedAs` with who looked as whom.
import type { Context } from '../context';
import { BadInputError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../errors';
import {
  permissionBit,
  allowed,
  compilePermissions,
  type CompiledPermissions,
  ancestorIds,
  type ScopeNode,
  RESOURCE_TYPES,
  SCOPE_TYPES,
  type ScopeType,
  type RoleDoc,
  type TokenDoc,
} from '../../authz';
import { loadScopeNode } from './scope';

export const VIEW_AS_PERMISSION = 'access:viewAs';
const VIEW_AS_BIT = permissionBit(VIEW_AS_PERMISSION);

export type { ViewAs, ViewAsTarget } from './view-as.types';
import type { ViewAs, ViewAsTarget } from './view-as.types';

const ID = '[0-9a-f]{24}';
const MEMBER = new RegExp(`^member:(${ID})$`);
const ROLE = new RegExp(`^role:(${ID})@(?:([A-Z_]+):)?(${ID})$`);
const TOKEN = new RegExp(`^token:(${ID})$`);

/** Parses the header; a malformed value is BAD_USER_INPUT naming the header. */
export function parseViewAs(raw: string): ViewAsTarget {
  const v = raw.trim();
  let m = MEMBER.exec(v);
  if (m) return { kind: 'member', userId: m[1]! };
  m = ROLE.exec(v);
  if (m) {
    const type = m[2] as ScopeType | undefined;
    if (type !== undefined && !SCOPE_TYPES.includes(type)) {
      throw new BadInputError(`X-Postern-View-As: unknown scope type ${type} (one of ${SCOPE_TYPES.join(', ')})`, 'X-Postern-View-As');
    }
    return { kind: 'role', roleId: m[1]!, scope: { type: type ?? null, id: m[3]! } };
  }
  m = TOKEN.exec(v);
  if (m) return { kind: 'token', tokenId: m[1]! };
  throw new BadInputError(
    'X-Postern-View-As must be member:<userId>, role:<roleId>@<scopeId> (or role:<roleId>@<SCOPE_TYPE>:<scopeId>) or token:<apiTokenId>',
    'X-Postern-View-As',
  );
}

/** Throws FORBIDDEN unless the admin holds access:viewAs on the whole account. */
async function assertMayViewAs(ctx: Context, accountId: string): Promise<void> {
  const compiled = await ctx.authz.load(accountId);
  if (!compiled) throw new NotFoundError('account', accountId);
  if (!allowed(compiled, VIEW_AS_BIT, { _id: accountId }, RESOURCE_TYPES.Account!.chain, false)) {
    throw new ForbiddenError(VIEW_AS_PERMISSION, { type: 'ACCOUNT', id: accountId }, ctx.principal);
  }
}

/** The node a role is viewed at: typed, or found by id among the scope types (ids are unique across collections). */
async function scopeNode(ctx: Context, scope: { type: ScopeType | null; id: string }): Promise<ScopeNode | null> {
  if (scope.type) return loadScopeNode(ctx, { type: scope.type, id: scope.id });
  const found = await Promise.all(SCOPE_TYPES.map((type) => loadScopeNode(ctx, { type, id: scope.id })));
  return found.find((n): n is ScopeNode => !!n) ?? null;
}

/**
 * Resolves the header for the signed-in admin. NOT_FOUND for anything outside the accounts the admin
 * belongs to (nothing is told about other accounts); FORBIDDEN without access:viewAs there.
 */
export async function resolveViewAs(ctx: Context, raw: string): Promise<ViewAs> {
  const by = ctx.principal;
  if (!by) throw new UnauthenticatedError();
  if (by.kind !== 'user') {
    throw new ForbiddenError(VIEW_AS_PERMISSION, { type: 'ACCOUNT', id: by.accountId }, by);
  }
  const target = parseViewAs(raw);

  if (target.kind === 'member') {
    const [mine, theirs] = await Promise.all([ctx.access.accountsOf([by.userId]), ctx.access.accountsOf([target.userId])]);
    const shared = new Set(theirs.map((m) => m.accountId));
    const accounts = mine
      .map((m) => m.accountId)
      .filter((id) => shared.has(id))
      .sort();
    if (!accounts.length) throw new NotFoundError('member', target.userId);
    // The first shared account where the admin may view as; else the refusal names the first one.
    let accountId: string | null = null;
    for (const id of accounts) {
      const c = await ctx.authz.load(id);
      if (c && allowed(c, VIEW_AS_BIT, { _id: id }, RESOURCE_TYPES.Account!.chain, false)) {
        accountId = id;
        break;
      }
    }
    if (!accountId) await assertMayViewAs(ctx, accounts[0]!);
    return {
      by,
      target,
      accountId: accountId!,
      principal: { kind: 'user', id: target.userId, userId: target.userId, sessionId: 'view-as' },
      label: `member:${target.userId}`,
    };
  }

  if (target.kind === 'token') {
    const token = await ctx.loaders.load<TokenDoc>('ApiToken', target.tokenId);
    if (!token || !(await ctx.access.isMember(token.accountId, by.userId))) throw new NotFoundError('API token', target.tokenId);
    await assertMayViewAs(ctx, token.accountId);
    if (token.revokedAt || new Date(token.expiresAt).getTime() <= Date.now()) {
      throw new BadInputError('This API token is revoked or expired: it sees nothing', 'X-Postern-View-As');
    }
    return {
      by,
      target,
      accountId: token.accountId,
      principal: {
        kind: 'token',
        id: token._id,
        userId: token.userId,
        tokenId: token._id,
        accountId: token.accountId,
        scopes: token.scopes,
        workspaceIds: token.workspaceIds ?? null,
      },
      label: `token:${token._id}`,
    };
  }

  const role = await ctx.loaders.load<RoleDoc>('Role', target.roleId);
  if (!role || !(await ctx.access.isMember(role.accountId, by.userId))) throw new NotFoundError('role', target.roleId);
  await assertMayViewAs(ctx, role.accountId);
  const node = await scopeNode(ctx, target.scope);
  if (!node || node.accountId !== role.accountId) throw new NotFoundError('scope', target.scope.id);
  const accountId = role.accountId;
  const place = ancestorIds(node);
  // The admin's own user id stands for the member who would hold the role (so `viewer` answers), but
  // only this binding counts: none of the admin's own roles, and never ownership.
  const compile = async (id: string): Promise<CompiledPermissions | null> =>
    id !== accountId
      ? null
      : compilePermissions({
          userId: by.userId,
          accountId,
          version: await ctx.access.version(accountId),
          isOwner: false,
          bindings: [{ _id: 'view-as', roleId: role._id, scopeType: node.type, scopeId: node.doc._id, workspaceId: place.workspaceId }],
          roles: new Map([[role._id, role]]),
        });
  return {
    by,
    target,
    accountId,
    principal: by,
    label: `role:${role._id}@${node.type}:${node.doc._id}`,
    compile,
  };
}
