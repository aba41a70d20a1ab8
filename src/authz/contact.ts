// Who may read a person's contact data (docs/permissions-rules.md "Rules no role can break": contact
// data): the person themselves, and whoever holds members:view in an account the person belongs to —
// on the account itself, or on a node the person is bound at or below (an Inbox admin sees that
// inbox's members). The GraphQL edge answers the same rule batched per request
// (src/graphql/authz/people.ts: mayReadContact); the conformance cases test this statement of it.
import { permissionBit } from './catalogue';
import { allowed, nodesHolding } from './check';
import type { CompiledPermissions } from './compile';
import type { AccessStore } from './store/types';

export const MEMBERS_VIEW = permissionBit('members:view');
export const ACCOUNT_CHAIN = ['_id'] as const;

/**
 * Whether compiled permissions `c` in one account show `targetUserId`'s contact data: members:view on
 * the account, or on a node the target is bound at or below.
 */
export async function contactVisibleIn(store: AccessStore, c: CompiledPermissions | null, targetUserId: string): Promise<boolean> {
  if (!c) return false;
  if (allowed(c, MEMBERS_VIEW, { _id: c.accountId }, ACCOUNT_CHAIN, false)) return true;
  const nodes = nodesHolding(c, MEMBERS_VIEW);
  return nodes.length > 0 && (await store.usersBoundBelow(c.accountId, nodes, new Date())).includes(targetUserId);
}
