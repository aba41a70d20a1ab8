// An account's access facts — members, owner, version, bindings, their roles, partner tokens in force —
// read in one round, for the account-wide answers of access insight (whoCan, accessReview) and reused
// by explainAccess while fresh. Reused across requests while the account's permissionsVersion is
// unchanged, as compiled permissions are (src/graphql/authz/request.ts).
import { compilePermissions, type CompiledPermissions } from './compile';
import type { AccessStore, RoleBindingDoc, RoleDoc, TokenDoc } from './store/types';

/** An account's access facts, read once. */
export interface AccountAccess {
  accountId: string;
  ownerId: string | null;
  version: number;
  /** User ids of the members, in the store's order. */
  members: string[];
  bindingsByUser: ReadonlyMap<string, RoleBindingDoc[]>;
  roles: ReadonlyMap<string, RoleDoc>;
  /** Tokens in force, by the user who made them. */
  tokensByUser: ReadonlyMap<string, TokenDoc[]>;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** The account's members, owner, version, bindings, their roles and the tokens in force: one round of reads, then the roles. */
export async function readAccountAccess(store: AccessStore, accountId: string, now: Date): Promise<AccountAccess> {
  const [members, bindings, ownerId, version, tokens] = await Promise.all([
    store.membersOf(accountId),
    store.bindingsOfAccount(accountId),
    store.ownerOf(accountId),
    store.version(accountId),
    store.tokensOf(accountId, now),
  ]);
  const roleIds = [...new Set(bindings.map((b) => b.roleId).filter((id): id is string => !!id))];
  const roles = new Map((roleIds.length ? await store.roles(roleIds) : []).map((r) => [r._id, r]));
  return {
    accountId,
    ownerId,
    version,
    members,
    bindingsByUser: groupBy(bindings, (b) => b.userId),
    roles,
    tokensByUser: groupBy(tokens, (t) => t.userId),
  };
}

interface CachedAccess {
  version: number;
  /** Epoch ms when the first binding or token in the facts expires: they must be read again then. */
  validUntil: number;
  acc: AccountAccess;
}

const MAX_CACHED_ACCOUNTS = 64;
const cached = new WeakMap<AccessStore, Map<string, CachedAccess>>();

function cacheOf(store: AccessStore): Map<string, CachedAccess> {
  let m = cached.get(store);
  if (!m) cached.set(store, (m = new Map()));
  return m;
}

/** The account's facts if this process read them at `version` and none has expired since; else undefined. */
export function cachedAccountAccess(store: AccessStore, accountId: string, version: number, now: number): AccountAccess | undefined {
  const hit = cacheOf(store).get(accountId);
  return hit && hit.version === version && now < hit.validUntil ? hit.acc : undefined;
}

/**
 * The account's access facts, reused across requests while its permissionsVersion is unchanged (as
 * compiled permissions are, src/graphql/authz/request.ts): every write to the store bumps the version, and
 * the facts are read again once a binding or token in them expires. `version`: the account's version
 * as this request read it (the caller's compiled permissions carry it), read here when not given. The
 * facts are read after the version, so they are at least that new (rule 6).
 */
export async function accountAccess(store: AccessStore, accountId: string, now: Date, version?: number): Promise<AccountAccess> {
  const v = version ?? (await store.version(accountId));
  const hit = cachedAccountAccess(store, accountId, v, now.getTime());
  if (hit) return hit;
  const acc = await readAccountAccess(store, accountId, now);
  let validUntil = Number.POSITIVE_INFINITY;
  for (const list of acc.bindingsByUser.values()) {
    for (const b of list) {
      const t = b.expiresAt ? new Date(b.expiresAt).getTime() : Number.POSITIVE_INFINITY;
      if (t > now.getTime()) validUntil = Math.min(validUntil, t);
    }
  }
  for (const list of acc.tokensByUser.values()) for (const t of list) validUntil = Math.min(validUntil, new Date(t.expiresAt).getTime());
  const cache = cacheOf(store);
  cache.delete(accountId);
  if (cache.size >= MAX_CACHED_ACCOUNTS) cache.delete(cache.keys().next().value!);
  cache.set(accountId, { version: v, validUntil, acc });
  return acc;
}

/** Compiled permissions of the facts' principals, kept with the facts (they are kept for as long as the facts are). */
const compiledOf = new WeakMap<AccountAccess, Map<string, { at: number; c: CompiledPermissions }>>();

/**
 * Compiles one member, or one of their tokens, with the gateway's compiler — once per set of facts:
 * a later call reuses it until a binding in it expires (`validUntil`).
 */
export function compileMember(acc: AccountAccess, userId: string, now: number, token?: TokenDoc | null): CompiledPermissions {
  let cache = compiledOf.get(acc);
  if (!cache) compiledOf.set(acc, (cache = new Map()));
  const key = token ? `t:${token._id}` : `u:${userId}`;
  const hit = cache.get(key);
  if (hit && hit.at <= now && now < hit.c.validUntil) return hit.c;
  const c = compilePermissions({
    userId,
    accountId: acc.accountId,
    version: acc.version,
    isOwner: acc.ownerId === userId,
    bindings: acc.bindingsByUser.get(userId) ?? [],
    roles: acc.roles,
    now,
    token: token ? { scopes: token.scopes, workspaceIds: token.workspaceIds } : null,
  });
  cache.set(key, { at: now, c });
  return c;
}
