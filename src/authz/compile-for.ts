// The one path from stored access data to compiled permissions, for any principal: the request's
// authorization (src/graphql/authz/request.ts), the rules that re-check someone else's rights (an inviter at
// acceptance), "who may resolve this request", and the conformance cases on the in-memory store.
import { compilePermissions, type CompiledPermissions, type TokenRestriction } from './compile';
import type { AccessStore } from './store/types';

export interface CompileForInput {
  accountId: string;
  userId: string;
  /** The account's owner and version, when the caller has read them already. */
  ownerId?: string | null;
  version?: number;
  token?: TokenRestriction | null;
  /** Only what may be granted onward (rule 7). */
  grantable?: boolean;
  now?: number;
}

/** The user's (or their token's) compiled permissions in the account; null when not a member. */
export async function compileFor(store: AccessStore, input: CompileForInput): Promise<CompiledPermissions | null> {
  const [member, bindings, ownerId, version] = await Promise.all([
    store.isMember(input.accountId, input.userId),
    store.bindingsOf(input.accountId, [input.userId]),
    input.ownerId !== undefined ? input.ownerId : store.ownerOf(input.accountId),
    input.version !== undefined ? input.version : store.version(input.accountId),
  ]);
  if (!member) return null;
  const roleIds = [...new Set(bindings.map((b) => b.roleId).filter((id): id is string => !!id))];
  const roles = await store.roles(roleIds);
  return compilePermissions({
    userId: input.userId,
    accountId: input.accountId,
    version,
    isOwner: ownerId === input.userId,
    bindings,
    roles: new Map(roles.map((r) => [r._id, r])),
    now: input.now,
    token: input.token ?? null,
    grantable: input.grantable,
  });
}

/**
 * Every member of the account whose compiled permissions pass `test`. One read of the account's
 * members, bindings and roles, compiled per member through the same compiler.
 */
export async function holdersOf(store: AccessStore, accountId: string, test: (c: CompiledPermissions) => boolean): Promise<string[]> {
  const [members, bindings, ownerId, version] = await Promise.all([
    store.membersOf(accountId),
    store.bindingsOfAccount(accountId),
    store.ownerOf(accountId),
    store.version(accountId),
  ]);
  const roleIds = [...new Set(bindings.map((b) => b.roleId).filter((id): id is string => !!id))];
  const roles = new Map((await store.roles(roleIds)).map((r) => [r._id, r]));
  const out: string[] = [];
  for (const userId of members) {
    const compiled = compilePermissions({
      userId,
      accountId,
      version,
      isOwner: ownerId === userId,
      bindings: bindings.filter((b) => b.userId === userId),
      roles,
    });
    if (test(compiled)) out.push(userId);
  }
  return out;
}
