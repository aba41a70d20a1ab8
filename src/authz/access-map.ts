// Everyone's effective access in one account: each member and each partner token in force, at the
// account and at every scope node their bindings (or a token's workspaces) touch. Compiled by the
// gateway's own compiler and read by its own check, so the permissions at a node are what
// Viewer.permissions answers there. previewAccessChange compares this map before and after a change,
// made on a copy of the account in the in-memory store (copyOfAccount).
import { compilePermissions, type CompiledPermissions } from './compile';
import { permissionsAt } from './scope-node';
import { RESOURCE_TYPES, SCOPE_TYPES, type ScopeType } from './resources';
import { MemoryAccessStore } from './store/memory';
import type { AccessStore, RoleBindingDoc, ScopePlacement, TokenDoc } from './store/types';

/** A scope node as bindings place it: its id and its ancestors' ids. */
export type NodePlacement = ScopePlacement & { accountId: string };

export interface PrincipalState {
  kind: 'USER' | 'TOKEN';
  principalId: string;
  /** The user themself, or the token's creator. */
  userId: string;
  /** Null: not (or no longer) a member, or a token no longer in force. */
  compiled: CompiledPermissions | null;
  /** The nodes to compare at, by id. */
  nodes: Map<string, NodePlacement>;
}

export interface AccessDelta {
  principalId: string;
  kind: 'USER' | 'TOKEN';
  userId: string;
  scope: { type: ScopeType; id: string };
  gained: string[];
  lost: string[];
  refusedBy: string | null;
}

const CHAIN = RESOURCE_TYPES.RoleBinding!.chain;

function placementOf(b: RoleBindingDoc): NodePlacement {
  return {
    accountId: b.accountId,
    scopeType: b.scopeType,
    scopeId: b.scopeId,
    workspaceId: b.workspaceId ?? null,
    domainId: b.domainId ?? null,
    projectId: b.projectId ?? null,
    inboxId: b.inboxId ?? null,
  };
}

/** Loads an account's access data (owner, members, roles, bindings, tokens in force) into a new in-memory store. */
export async function copyOfAccount(store: AccessStore, accountId: string, now: Date): Promise<MemoryAccessStore> {
  const [ownerId, members, roles, bindings, tokens] = await Promise.all([
    store.ownerOf(accountId),
    store.membersOf(accountId),
    store.rolesOf(accountId),
    store.bindingsOfAccount(accountId),
    store.tokensOf(accountId, now),
  ]);
  const copy = new MemoryAccessStore();
  copy.addAccount(accountId, ownerId ?? '');
  for (const userId of members) await copy.addMember({ accountId, userId, createdBy: ownerId ?? userId });
  await copy.createRoles(roles);
  for (const b of bindings) await copy.createBinding(b, now);
  for (const t of tokens) await copy.createToken(t);
  return copy;
}

/** Every principal's compiled permissions in the account and the nodes to compare them at. */
export async function accessOf(store: AccessStore, accountId: string, now: Date): Promise<Map<string, PrincipalState>> {
  const [ownerId, members, roles, bindings, tokens, version] = await Promise.all([
    store.ownerOf(accountId),
    store.membersOf(accountId),
    store.rolesOf(accountId),
    store.bindingsOfAccount(accountId),
    store.tokensOf(accountId, now),
    store.version(accountId),
  ]);
  const roleMap = new Map(roles.map((r) => [r._id, r]));
  const byUser = new Map<string, RoleBindingDoc[]>();
  for (const b of bindings) {
    const list = byUser.get(b.userId);
    if (list) list.push(b);
    else byUser.set(b.userId, [b]);
  }
  const account: NodePlacement = { accountId, scopeType: 'ACCOUNT', scopeId: accountId };
  const nodesOf = (userId: string) =>
    new Map<string, NodePlacement>([[accountId, account], ...(byUser.get(userId) ?? []).map((b) => [b.scopeId, placementOf(b)] as const)]);
  const memberSet = new Set(members);
  const compile = (userId: string, token: TokenDoc | null) =>
    memberSet.has(userId)
      ? compilePermissions({
          userId,
          accountId,
          version,
          isOwner: ownerId === userId,
          bindings: byUser.get(userId) ?? [],
          roles: roleMap,
          now: now.getTime(),
          token: token ? { scopes: token.scopes, workspaceIds: token.workspaceIds } : null,
        })
      : null;

  const out = new Map<string, PrincipalState>();
  for (const userId of members) {
    out.set(`u:${userId}`, { kind: 'USER', principalId: userId, userId, compiled: compile(userId, null), nodes: nodesOf(userId) });
  }
  for (const t of tokens) {
    const nodes = nodesOf(t.userId);
    for (const w of t.workspaceIds ?? []) {
      if (!nodes.has(w)) nodes.set(w, { accountId, scopeType: 'WORKSPACE', scopeId: w, workspaceId: w });
    }
    out.set(`t:${t._id}`, { kind: 'TOKEN', principalId: t._id, userId: t.userId, compiled: compile(t.userId, t), nodes });
  }
  return out;
}

function bitsEqual(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

function sameMap(a: ReadonlyMap<string, Uint32Array>, b: ReadonlyMap<string, Uint32Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, bits] of a) {
    const other = b.get(id);
    if (!other || !bitsEqual(bits, other)) return false;
  }
  return true;
}

function sameCompiled(a: CompiledPermissions | null, b: CompiledPermissions | null): boolean {
  if (!a || !b) return a === b;
  return a.isOwner === b.isOwner && sameMap(a.full, b.full) && sameMap(a.own, b.own);
}

const held = (c: CompiledPermissions | null, at: NodePlacement): string[] =>
  c ? permissionsAt(c, { ...at, _id: at.scopeId } as Record<string, unknown> & { _id: string }, CHAIN) : [];

const DEPTH = new Map(SCOPE_TYPES.map((t, i) => [t, i]));

/** Who gains and loses what, at which node, from `before` to `after`: only principals and nodes where something changes. */
export function diffAccess(before: ReadonlyMap<string, PrincipalState>, after: ReadonlyMap<string, PrincipalState>): AccessDelta[] {
  const deltas: AccessDelta[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const a = after.get(key);
    if (sameCompiled(b?.compiled ?? null, a?.compiled ?? null)) continue;
    const who = (a ?? b)!;
    const nodes = new Map([...(b?.nodes ?? []), ...(a?.nodes ?? [])]);
    for (const at of nodes.values()) {
      const was = held(b?.compiled ?? null, at);
      const is = held(a?.compiled ?? null, at);
      const gained = is.filter((p) => !was.includes(p));
      const lost = was.filter((p) => !is.includes(p));
      if (!gained.length && !lost.length) continue;
      deltas.push({
        principalId: who.principalId,
        kind: who.kind,
        userId: who.userId,
        scope: { type: at.scopeType, id: at.scopeId },
        gained,
        lost,
        refusedBy: null,
      });
    }
  }
  return deltas.sort(
    (x, y) =>
      (x.kind === y.kind ? 0 : x.kind === 'USER' ? -1 : 1) ||
      x.principalId.localeCompare(y.principalId) ||
      DEPTH.get(x.scope.type)! - DEPTH.get(y.scope.type)! ||
      x.scope.id.localeCompare(y.scope.id),
  );
}
