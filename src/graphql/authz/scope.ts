// Scope nodes at the GraphQL edge: loadScopeNode finds a node through the request's loaders;
// Viewer.can / Viewer.permissions and the bindings a viewer may see, from the request's compiled
// permissions (the same answers the directives give; the pure part is src/authz/scope-node.ts).
import {
  parsePermission,
  permissionBit,
  UnknownPermissionError,
  type ParsedPermission,
  allowed,
  holdsParsed,
  permissionsAt,
  type ScopeNode,
  RESOURCE_TYPES,
  SCOPE_MODEL,
  accountIdOf,
  type ScopeType,
} from '../../authz';
import type { Context } from '../context';
import { BadInputError } from '../../errors';

type Doc = { _id: string };

/** Loads a scope node; null when there is no such node (malformed id, unknown type). */
export async function loadScopeNode(ctx: Context, scope: { type: ScopeType; id: string }): Promise<ScopeNode | null> {
  const model = SCOPE_MODEL[scope.type];
  if (!model) return null;
  const doc = await ctx.loaders.load<Doc>(model, scope.id);
  if (!doc) return null;
  const accountId = accountIdOf(model, doc as { _id: string; accountId?: string });
  if (!accountId) return null;
  return { type: scope.type, doc, accountId, chain: RESOURCE_TYPES[model]!.chain };
}

/** Viewer.can: unknown permission → BAD_USER_INPUT; a node that is not the principal's → false. */
export async function can(ctx: Context, permission: string, scope: { type: ScopeType; id: string }): Promise<boolean> {
  if (permission.length > 100) throw new BadInputError('permission is at most 100 characters', 'permission');
  let p: ParsedPermission;
  try {
    p = parsePermission(permission, { allowOwn: true });
  } catch (err) {
    if (err instanceof UnknownPermissionError) throw new BadInputError(err.message, 'permission');
    throw err;
  }
  const node = await loadScopeNode(ctx, scope);
  if (!node) return false;
  const c = await ctx.authz.load(node.accountId);
  if (!c) return false;
  return holdsParsed(c, p, node.doc, node.chain);
}

/** Viewer.permissions: effective permissions at the node, plain ones then `:own`-only ones. */
export async function effectivePermissions(ctx: Context, scope: { type: ScopeType; id: string }): Promise<string[]> {
  const node = await loadScopeNode(ctx, scope);
  if (!node) return [];
  const c = await ctx.authz.load(node.accountId);
  if (!c) return [];
  return permissionsAt(c, node.doc, node.chain);
}

const MEMBERS_VIEW = permissionBit('members:view');

/**
 * A member's bindings as far as the viewer may see them: all with members:view on the account,
 * else those at or below a node where the viewer holds it (an Inbox admin sees the inbox's).
 */
export async function visibleBindings<T extends { _id: string; accountId: string }>(
  ctx: Context,
  accountId: string,
  bindings: T[],
): Promise<T[]> {
  const c = await ctx.authz.load(accountId);
  if (!c) return [];
  const chain = RESOURCE_TYPES.RoleBinding!.chain;
  return bindings.filter((b) => allowed(c, MEMBERS_VIEW, b, chain, false));
}
