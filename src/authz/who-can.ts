// whoCan (docs/access-insight.md): every person and partner token holding a permission at a scope node, each with
// the path that gives it. One read of the account's access facts (members, owner, bindings, roles,
// tokens in force: account-access.ts), then each principal is compiled once by the gateway's own
// compiler and its bit tested at the node — no read per member and no explain per member; the path
// of a holder is explainFrom() on the data already in hand.
import { accountAccess, compileMember, type AccountAccess } from './account-access';
import { allowed } from './check';
import { chainIdsOf, explainFrom, type AccessStep } from './explain';
import type { AccessStore, TokenDoc } from './store/types';

type Doc = Record<string, unknown> & { _id: string };

export interface Holder {
  kind: 'USER' | 'TOKEN';
  /** The user's id, or the token's. */
  principalId: string;
  /** The person (for a token: the person who made it). */
  userId: string;
  token: TokenDoc | null;
  /** The explanation's steps, as explainAccess gives them for this principal. */
  path: AccessStep[];
}

/**
 * The holders of `bit` at `node` among the account's members and their tokens in force. Only members
 * owning the account or bound on the node's chain can hold anything there (a check walks that chain
 * only), so only they are compiled; a token is compiled only when its maker holds the permission (a
 * token never exceeds its maker).
 */
export function whoCanFrom(
  acc: AccountAccess,
  input: { permission: string; bit: number; node: { doc: Doc; chain: readonly string[] }; now: number },
): Holder[] {
  const chainIds = chainIdsOf(input.node);
  const holders: Holder[] = [];
  const explainInput = { ...input, chainIds };
  for (const userId of acc.members) {
    const bindings = acc.bindingsByUser.get(userId) ?? [];
    if (acc.ownerId !== userId && !bindings.some((b) => chainIds.has(b.scopeId))) continue;
    const compiled = compileMember(acc, userId, input.now);
    if (!allowed(compiled, input.bit, input.node.doc, input.node.chain, false)) continue;
    const data = { accountId: acc.accountId, userId, ownerId: acc.ownerId, member: true, version: acc.version, bindings, roles: acc.roles };
    holders.push({ kind: 'USER', principalId: userId, userId, token: null, path: explainFrom(data, explainInput, compiled).steps });
    for (const t of acc.tokensByUser.get(userId) ?? []) {
      const tc = compileMember(acc, userId, input.now, t);
      if (!allowed(tc, input.bit, input.node.doc, input.node.chain, false)) continue;
      const token = { id: t._id, scopes: t.scopes, workspaceIds: t.workspaceIds };
      holders.push({
        kind: 'TOKEN',
        principalId: t._id,
        userId,
        token: t,
        path: explainFrom({ ...data, token }, explainInput, tc).steps,
      });
    }
  }
  return holders;
}

/** whoCan through the store: the account's access facts (read once per permissionsVersion), then whoCanFrom(). */
export async function whoCan(
  store: AccessStore,
  input: {
    accountId: string;
    permission: string;
    bit: number;
    node: { doc: Doc; chain: readonly string[] };
    now?: Date;
    /** The account's permissionsVersion as this request read it. */
    version?: number;
  },
): Promise<Holder[]> {
  const now = input.now ?? new Date();
  const acc = await accountAccess(store, input.accountId, now, input.version);
  return whoCanFrom(acc, { permission: input.permission, bit: input.bit, node: input.node, now: now.getTime() });
}
