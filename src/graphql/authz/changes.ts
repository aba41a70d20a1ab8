// Access changes at the GraphQL edge: an AccessChange (src/authz/changes.ts) prepared with the
// request context (loaders, the access store of `ctx.access`), checked as the acting principal
// (`ctx.authz.actor`) and written to the store the mutation is given.
import type { Context } from '../context';
import { NotFoundError, BadInputError } from '../../errors';
import {
  applyChange,
  assertMayChangeAccessOf,
  type AccessChange as CoreAccessChange,
  type AccessStore,
  type PreparedChange,
} from '../../authz';

export type { PreparedChange };

/** An access change whose input is prepared with the GraphQL request context. */
export type AccessChange<I, P extends PreparedChange, R> = CoreAccessChange<Context, I, P, R>;

/** What a mutation does: prepare, check, write — against `store`, as the acting principal. */
export async function performChange<I, P extends PreparedChange, R>(
  ctx: Context,
  store: AccessStore,
  change: AccessChange<I, P, R>,
  input: I,
): Promise<{ prepared: P; result: R }> {
  const prepared = await change.prepare(ctx, input);
  return { prepared, result: await applyChange(store, change, await ctx.authz.actor(prepared.accountId), prepared, new Date()) };
}

interface RemoveMember extends PreparedChange {
  userId: string;
}

/** removeMember: the membership, every binding, the invitations they sent and their tokens in the account. */
export const removeMemberChange: AccessChange<
  { accountId: string; userId: string },
  RemoveMember,
  Awaited<ReturnType<AccessStore['removeMember']>>
> = {
  async prepare(ctx, input) {
    if (!(await ctx.access.isMember(input.accountId, input.userId))) throw new NotFoundError('member', input.userId);
    return {
      accountId: input.accountId,
      userId: input.userId,
      subject: { userId: input.userId, scope: { type: 'ACCOUNT', id: input.accountId } },
    };
  },
  async check(store, actor, p) {
    if (p.userId === (await store.ownerOf(p.accountId))) {
      throw new BadInputError('The owner cannot be removed: transfer ownership first', 'userId');
    }
    if (p.userId === actor.userId) throw new BadInputError('You cannot remove yourself: ask another admin', 'userId');
    await assertMayChangeAccessOf(store, { accountId: p.accountId, actorId: actor.userId, targetUserId: p.userId, field: 'userId' });
  },
  write: (store, p, now) => store.removeMember(p.accountId, p.userId, now),
};
