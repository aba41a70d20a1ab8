// What the principal may do at a scope node (Viewer.can / Viewer.permissions), and the checks the
// access services make for rules 3 and 4 of docs/permissions-rules.md. Everything here reads the request's
// compiled permissions: the same answers the directives give.
import { PERMISSIONS, parsePermission, permissionBit, UnknownPermissionError, type ParsedPermission } from './catalogue';
import { allowed, docField, ownHeldOn } from './check';
import type { CompiledPermissions } from './compile';
import { RESOURCE_TYPES, SCOPE_MODEL, accountIdOf, type ScopeType } from './resources';
import type { Context } from '../graphql/context';
import { BadInputError } from '../errors';

type Doc = { _id: string };

export interface ScopeNode {
  type: ScopeType;
  doc: Doc;
  accountId: string;
  chain: readonly string[];
}

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

/** The ids of a scope node and its ancestors, as a binding or invitation stores them. */
export function ancestorIds(node: ScopeNode): {
  accountId: string;
  workspaceId: string | null;
  domainId: string | null;
  projectId: string | null;
  inboxId: string | null;
} {
  const d = node.doc;
  const pick = (type: ScopeType, field: string): string | null => {
    const id = docField(d, field);
    return node.type === type ? d._id : typeof id === 'string' ? id : null;
  };
  return {
    accountId: node.accountId,
    workspaceId: pick('WORKSPACE', 'workspaceId'),
    domainId: pick('DOMAIN', 'domainId'),
    projectId: pick('PROJECT', 'projectId'),
    inboxId: pick('INBOX', 'inboxId'),
  };
}

/** Whether a parsed permission (full or `:own`) is held at a node: `:own` is covered by the full one. */
function holdsParsed(c: CompiledPermissions, p: ParsedPermission, doc: Doc, chain: readonly string[]): boolean {
  return p.bits.every((bit) => allowed(c, bit, doc, chain, false) || (p.own && ownHeldOn(c, bit, doc, chain)));
}

/**
 * Rule 3: the permissions in `list` that the principal does not hold at the node (empty: may grant
 * them all). `list` holds role permissions (wildcards and `:own` allowed).
 */
export function missingAt(c: CompiledPermissions, list: readonly string[], node: { doc: Doc; chain: readonly string[] }): string[] {
  const missing: string[] = [];
  for (const text of list) {
    const p = parsePermission(text, { allowWildcard: true, allowOwn: true });
    if (!holdsParsed(c, p, node.doc, node.chain)) missing.push(text);
  }
  return missing;
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

/** Effective permissions of compiled `c` at a node: plain ones, then `:own`-only ones (Viewer.permissions, accessReview). */
export function permissionsAt(c: CompiledPermissions, doc: Doc, chain: readonly string[]): string[] {
  const full: string[] = [];
  const own: string[] = [];
  PERMISSIONS.forEach((perm, bit) => {
    if (allowed(c, bit, doc, chain, false)) full.push(perm);
    else if (ownHeldOn(c, bit, doc, chain)) own.push(`${perm}:own`);
  });
  return [...full, ...own];
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
