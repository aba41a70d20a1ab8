// Compiles a principal's bindings in one account into a lookup from scope-node id to permission
// bitset (docs/design.md "The check"). Built once per (principal, account, permissionsVersion); checks then only
// read it.
import { allBits, andInto, emptyBits, isEmpty, orInto, setBit, clearBit, type Bits } from './bitset';
import { parsePermission } from './catalogue';
import { OWNER_ONLY, parseRolePermissions } from './roles';

export interface BindingInput {
  _id: string;
  roleId?: string | null;
  scopeType: string;
  scopeId: string;
  workspaceId?: string | null;
  grant?: readonly string[];
  revoke?: readonly string[];
  expiresAt?: Date | null;
}

export interface RoleInput {
  _id: string;
  permissions: readonly string[];
}

export interface TokenRestriction {
  /** Permissions the token may use (plain `resource:action`). */
  scopes: readonly string[];
  /** When set, the token acts only inside these workspaces. */
  workspaceIds?: readonly string[] | null;
}

export interface CompiledPermissions {
  readonly userId: string;
  readonly accountId: string;
  readonly isOwner: boolean;
  /** Scope-node id → permissions held there (and inherited below). */
  readonly full: ReadonlyMap<string, Bits>;
  /** Scope-node id → permissions held there for resources the principal created (`:own`). */
  readonly own: ReadonlyMap<string, Bits>;
  /** The union of everything held anywhere in the account. */
  readonly anywhere: Bits;
  /** Compiled against this account permissionsVersion. */
  readonly version: number;
  /** Epoch ms after which an expiring binding lapses and this must be recompiled. */
  readonly validUntil: number;
}

export interface RoleBits {
  full: Bits;
  own: Bits;
}

/** Bits of the owner-only permissions: cleared from everything but the owner's own compile (rule 8). */
const OWNER_ONLY_MASK = (() => {
  const m = allBits();
  for (const p of OWNER_ONLY) for (const b of parsePermission(p).bits) clearBit(m, b);
  return m;
})();

const roleCache = new Map<string, RoleBits>();

/** A role's permissions as bitsets (full and `:own`), cached per role id and permission list. */
export function roleBits(role: RoleInput): RoleBits {
  const key = `${role._id}\u0000${role.permissions.join(',')}`;
  let rb = roleCache.get(key);
  if (!rb) {
    rb = { full: emptyBits(), own: emptyBits() };
    for (const p of parseRolePermissions(role.permissions)) for (const b of p.bits) setBit(p.own ? rb.own : rb.full, b);
    if (roleCache.size > 10_000) roleCache.clear();
    roleCache.set(key, rb);
  }
  return rb;
}

function add(map: Map<string, Bits>, id: string, bits: Bits): void {
  const cur = map.get(id);
  if (cur) orInto(cur, bits);
  else map.set(id, Uint32Array.from(bits));
}

export function compilePermissions(input: {
  userId: string;
  accountId: string;
  version: number;
  isOwner: boolean;
  bindings: readonly BindingInput[];
  roles: ReadonlyMap<string, RoleInput>;
  now?: number;
  token?: TokenRestriction | null;
  /**
   * Rule 7: compile only what may be granted onward — bindings without expiry, never a token's
   * (a token grants nothing). Used by the rules, never by the read path.
   */
  grantable?: boolean;
}): CompiledPermissions {
  const now = input.now ?? Date.now();
  let validUntil = Number.POSITIVE_INFINITY;
  const full = new Map<string, Bits>();
  const own = new Map<string, Bits>();
  /** Bound node id → the workspace it lies in (itself for a workspace binding). */
  const workspaceOf = new Map<string, string>();

  const grantableOnly = input.grantable === true;
  const bindings = grantableOnly && input.token ? [] : input.bindings;
  const isOwner = input.isOwner && !(grantableOnly && input.token);
  if (isOwner) full.set(input.accountId, allBits());
  for (const b of bindings) {
    if (b.expiresAt) {
      if (grantableOnly) continue;
      const exp = new Date(b.expiresAt).getTime();
      if (exp <= now) continue;
      validUntil = Math.min(validUntil, exp);
    }
    const f = emptyBits();
    const o = emptyBits();
    const role = b.roleId ? input.roles.get(b.roleId) : undefined;
    if (role) {
      const rb = roleBits(role);
      orInto(f, rb.full);
      orInto(o, rb.own);
    }
    for (const g of b.grant ?? []) {
      const p = parsePermission(g, { allowOwn: true });
      for (const bit of p.bits) setBit(p.own ? o : f, bit);
    }
    for (const r of b.revoke ?? []) {
      const p = parsePermission(r, { allowOwn: true });
      for (const bit of p.bits) {
        clearBit(o, bit);
        if (!p.own) clearBit(f, bit);
      }
    }
    if (b.scopeType === 'WORKSPACE') workspaceOf.set(b.scopeId, b.scopeId);
    else if (b.workspaceId) workspaceOf.set(b.scopeId, b.workspaceId);
    if (!isEmpty(f)) add(full, b.scopeId, f);
    if (!isEmpty(o)) add(own, b.scopeId, o);
  }

  // Rule 8: the owner-only permissions come from ownership alone, never from a role, grant or token.
  if (!isOwner || input.token) {
    for (const bits of full.values()) andInto(bits, OWNER_ONLY_MASK);
    for (const bits of own.values()) andInto(bits, OWNER_ONLY_MASK);
  }
  if (input.token) restrictToToken(full, own, input.token, input.accountId, workspaceOf);

  const anywhere = emptyBits();
  for (const bits of full.values()) orInto(anywhere, bits);
  for (const bits of own.values()) orInto(anywhere, bits);
  return {
    userId: input.userId,
    accountId: input.accountId,
    isOwner: input.isOwner && !input.token,
    full,
    own,
    anywhere,
    version: input.version,
    validUntil,
  };
}

/**
 * A token never exceeds its creator: every node keeps only the token's scopes. A workspace-restricted
 * token loses the account node; what the account node granted is re-homed on each allowed workspace,
 * and bindings outside those workspaces are dropped.
 */
function restrictToToken(
  full: Map<string, Bits>,
  own: Map<string, Bits>,
  token: TokenRestriction,
  accountId: string,
  workspaceOf: ReadonlyMap<string, string>,
): void {
  const mask = emptyBits();
  for (const s of token.scopes) for (const b of parsePermission(s).bits) setBit(mask, b);
  if (token.workspaceIds) {
    const allowed = new Set(token.workspaceIds);
    for (const map of [full, own]) {
      const atAccount = map.get(accountId);
      map.delete(accountId);
      for (const id of [...map.keys()]) {
        const w = workspaceOf.get(id);
        if (w === undefined || !allowed.has(w)) map.delete(id);
      }
      if (atAccount) for (const w of allowed) add(map, w, atAccount);
    }
  }
  for (const bits of full.values()) andInto(bits, mask);
  for (const bits of own.values()) andInto(bits, mask);
}
