// accessReview (docs/access-insight.md): every member's effective permissions per scope, and their tokens', for the
// quarterly review. From one read of the account's access facts (readAccountAccess); each member and
// token compiled once by the gateway's compiler; the permissions listed at a scope are exactly what
// Viewer.permissions answers there for that principal (permissionsAt), so the review matches what
// each can actually do.
//
// A review covers one subtree: the account, or a scope node inside it (who holds access:review only at
// a workspace reviews that workspace). Its scopes are the subtree's root — where inherited permissions
// show, e.g. an account admin's inside a reviewed workspace — and every node below the root where the
// principal is bound (or, for a workspace-restricted token, one of its workspaces). Nothing outside the
// subtree is listed; bindings are listed when they give access inside it (on the root, above it or below it).
import { RESOURCE_TYPES, SCOPE_MODEL, SCOPE_TYPES, type ScopeType } from './resources';
import { permissionsAt } from './scope-node';
import { compileMember, type AccountAccess } from './account-access';
import type { CompiledPermissions } from './compile';
import type { RoleBindingDoc, TokenDoc } from './store/types';

type Doc = Record<string, unknown> & { _id: string };

export interface ReviewNode {
  type: ScopeType;
  id: string;
  doc: Doc;
  chain: readonly string[];
}

export interface ScopePermissions {
  node: ReviewNode;
  permissions: string[];
}

export interface ReviewToken {
  token: TokenDoc;
  permissions: ScopePermissions[];
}

export interface ReviewEntry {
  userId: string;
  owner: boolean;
  /** Bindings in force that give access inside the reviewed subtree. */
  bindings: RoleBindingDoc[];
  permissions: ScopePermissions[];
  tokens: ReviewToken[];
}

/** A scope node as a binding places it: its id and its ancestors' ids, enough for a check to walk. */
export function placedNode(p: {
  scopeType: ScopeType;
  scopeId: string;
  accountId: string;
  workspaceId?: string | null;
  domainId?: string | null;
  projectId?: string | null;
  inboxId?: string | null;
}): ReviewNode {
  const doc: Doc = { _id: p.scopeId, accountId: p.accountId };
  for (const k of ['workspaceId', 'domainId', 'projectId', 'inboxId'] as const) if (p[k]) doc[k] = p[k];
  return { type: p.scopeType, id: p.scopeId, doc, chain: RESOURCE_TYPES[SCOPE_MODEL[p.scopeType]]!.chain };
}

function idsOnChain(n: ReviewNode): string[] {
  return n.chain.map((k) => n.doc[k]).filter((v): v is string => typeof v === 'string');
}

const TYPE_ORDER = new Map(SCOPE_TYPES.map((t, i) => [t, i]));

function byPlace(a: ReviewNode, b: ReviewNode): number {
  return TYPE_ORDER.get(a.type)! - TYPE_ORDER.get(b.type)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function scopesOf(c: CompiledPermissions, nodes: readonly ReviewNode[]): ScopePermissions[] {
  const out: ScopePermissions[] = [];
  for (const node of nodes) {
    const permissions = permissionsAt(c, node.doc, node.chain);
    if (permissions.length) out.push({ node, permissions });
  }
  return out;
}

/**
 * The review of the subtree at `root`. `everyMember`: list members with nothing in the subtree too
 * (an account-wide review shows who has no access at all); otherwise they are left out.
 */
export function reviewFrom(acc: AccountAccess, root: ReviewNode, now: number, opts: { everyMember: boolean }): ReviewEntry[] {
  const rootChain = new Set(idsOnChain(root));
  const below = (n: ReviewNode) => n.id !== root.id && idsOnChain(n).includes(root.id);
  const entries: ReviewEntry[] = [];
  for (const userId of acc.members) {
    const current = (acc.bindingsByUser.get(userId) ?? []).filter((b) => !b.expiresAt || new Date(b.expiresAt).getTime() > now);
    const bindings: RoleBindingDoc[] = [];
    const nodes = new Map<string, ReviewNode>();
    for (const b of current) {
      const n = placedNode(b);
      if (rootChain.has(b.scopeId)) bindings.push(b);
      else if (below(n)) {
        bindings.push(b);
        nodes.set(n.id, n);
      }
    }
    const own = [root, ...[...nodes.values()].sort(byPlace)];
    const permissions = scopesOf(compileMember(acc, userId, now), own);
    const tokens: ReviewToken[] = [];
    for (const token of acc.tokensByUser.get(userId) ?? []) {
      const extra = (token.workspaceIds ?? [])
        .map((w) => placedNode({ scopeType: 'WORKSPACE', scopeId: w, accountId: acc.accountId, workspaceId: w }))
        .filter((n) => below(n) && !nodes.has(n.id));
      const tp = scopesOf(
        compileMember(acc, userId, now, token),
        [...own, ...extra].sort((a, b) => (a === root ? -1 : b === root ? 1 : byPlace(a, b))),
      );
      if (tp.length) tokens.push({ token, permissions: tp });
    }
    if (!opts.everyMember && permissions.length === 0 && tokens.length === 0) continue;
    entries.push({ userId, owner: acc.ownerId === userId, bindings, permissions, tokens });
  }
  return entries;
}
