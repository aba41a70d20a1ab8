// Who may read a person's contact data, per request (the rule: src/authz/contact.ts, docs/permissions-rules.md
// "Rules no role can break": contact data). Parent links (`campaign.createdBy`, `account.owner`,
// `binding.user`, …) reach users from anywhere a viewer may look; they show ids and names. Contact data —
// email, username, position, signature, timezone, language — shows as the rule says, answered here with
// the request's loaders: memberships and the users visible below a node read once per request. Anyone
// able to list the person as a member sees the same data there.
import DataLoader from 'dataloader';
import { ACCOUNT_CHAIN, allowed, MEMBERS_VIEW, nodesHolding } from '../../authz';
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

/** Whether the principal may read `userId`'s contact data. */
export async function mayReadContact(ctx: Context, userId: string): Promise<boolean> {
  const p = ctx.principal;
  if (!p) return false;
  if (p.userId === userId) return true;
  const accounts = await membershipsLoader(ctx).load(userId);
  for (const accountId of accounts) {
    const c = await ctx.authz.loadReachable(accountId);
    if (!c) continue;
    if (allowed(c, MEMBERS_VIEW, { _id: accountId }, ACCOUNT_CHAIN, false)) return true;
    if ((await visibleBelowLoader(ctx).load(accountId)).has(userId)) return true;
  }
  return false;
}
