// Permissions at a scope node, over compiled permissions only: what Viewer.can / Viewer.permissions
// answer (src/graphql/authz/scope.ts loads the node), the checks the access services make for rules 3
// and 4 of docs/permissions-rules.md, and the effective permissions of an access review.
import { PERMISSIONS, parsePermission, type ParsedPermission } from './catalogue';
import { allowed, docField, ownHeldOn } from './check';
import type { CompiledPermissions } from './compile';
import type { ScopeType } from './resources';

type Doc = { _id: string };

/** A scope node as a check sees it: its document, its account and the chain of ids the check walks. */
export interface ScopeNode {
  type: ScopeType;
  doc: Doc;
  accountId: string;
  chain: readonly string[];
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
export function holdsParsed(c: CompiledPermissions, p: ParsedPermission, doc: Doc, chain: readonly string[]): boolean {
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
