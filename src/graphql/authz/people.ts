// Who may read a person's contact data, per request (the rule: src/authz/contact.ts, docs/permissions-rules.md
// "Rules no role can break": contact data). Parent links (`campaign.createdBy`, `account.owner`,
// `binding.user`, …) reach users from anywhere a viewer may look; they show ids and names. Contact data —
// email, username, position, signature, timezone, language — shows as the rule says, answered here with
// the request's loaders: memberships and the users visible below a node read once per request. Anyone
// able to list the person as a member sees the same data there.
import DataLoader from 'dataloader';
import { ACCOUNT_CHAIN, allowed, MEMBERS_VIEW, nodesHolding, type AccessStore } from '../../authz';
import type { Context } from '../context';

function membershipsLoader(ctx: Context): DataLoader<string, string[]> {
  return ctx.loaders.keyed(
    'people:accountsOf',
    () =>
      new DataLoader<string, string[]>(async (userIds) => {
        const rows = await ctx.access.accountsOf(userIds);
        return userIds.map((id) => rows.filter((r) => r.userId === id).map((r) => r.accountId));
      }),
  );
}

/**
 * The accounts `userId` belongs to, in the order they joined, read once per request however many
 * ask (the two-factor gate and `viewer.accounts` ask the same of the viewer; parent links of people).
 */
export function accountIdsOf(ctx: Context, userId: string): Promise<string[]> {
  return membershipsLoader(ctx).load(userId);
}

/** Users bound at or below the nodes where the viewer holds members:view in one account (once per request). */
function visibleBelowLoader(ctx: Context): DataLoader<string, Set<string>> {
  return ctx.loaders.keyed(
    'people:visibleBelow',
    () =>
      new DataLoader<string, Set<string>>(async (accountIds) =>
        Promise.all(
          accountIds.map(async (accountId) => {
            const c = await ctx.authz.loadReachable(accountId);
            const nodes = c ? nodesHolding(c, MEMBERS_VIEW) : [];
            return new Set(nodes.length ? await ctx.access.usersBoundBelow(accountId, nodes, new Date()) : []);
          }),
        ),
      ),
  );
}

const MAX_MEMBER_SETS = 256;
/** Each account's members as read at a permissionsVersion (every membership change bumps it): this process, all requests. */
const memberSets = new Map<string, { version: number; members: Promise<Set<string>> }>();

/**
 * The account's members at `version` (the version this request read with the account): read once
 * per version in this process, then kept. The members are read after the version, so they are at
 * least that new; adding or removing a member bumps the version, and the next request reading the
 * new version reads them again (on every worker and replica).
 */
function membersAt(store: AccessStore, accountId: string, version: number): Promise<Set<string>> {
  const hit = memberSets.get(accountId);
  if (hit && hit.version === version) return hit.members;
  const members = store.membersOf(accountId).then((ids) => new Set(ids));
  memberSets.delete(accountId);
  if (memberSets.size >= MAX_MEMBER_SETS) memberSets.delete(memberSets.keys().next().value!);
  memberSets.set(accountId, { version, members });
  // A failed read is not kept.
  members.catch(() => {
    if (memberSets.get(accountId)?.members === members) memberSets.delete(accountId);
  });
  return members;
}

/**
 * Whether the principal may read `userId`'s contact data. Only an account the principal acts in can
 * show it (the rule above asks for members:view there), so the accounts looked at are the
 * principal's own — read once per request, as `viewer.accounts` and the two-factor gate read them —
 * and the person's membership of each is answered from its member set at the account's current
 * version: no read of the person's memberships per request.
 */
export async function mayReadContact(ctx: Context, userId: string): Promise<boolean> {
  const p = ctx.principal;
  if (!p) return false;
  if (p.userId === userId) return true;
  const accounts = p.kind === 'token' ? [p.accountId] : await accountIdsOf(ctx, p.userId);
  const compiled = await Promise.all(accounts.map((id) => ctx.authz.loadReachable(id)));
  for (const c of compiled) {
    if (!c || !(await membersAt(ctx.access, c.accountId, c.version)).has(userId)) continue;
    if (allowed(c, MEMBERS_VIEW, { _id: c.accountId }, ACCOUNT_CHAIN, false)) return true;
    if ((await visibleBelowLoader(ctx).load(c.accountId)).has(userId)) return true;
  }
  return false;
}
