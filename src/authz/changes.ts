// An access change — assignRole, unassignRole, setPermissionOverrides, updateRole, removeMember,
// installRolePack — written once and run two ways: by its mutation against the access store, and by
// previewAccessChange (src/authz/preview.ts) against an in-memory copy of the account. Three steps:
// `prepare` reads and validates the input (NOT_FOUND, malformed input: BAD_USER_INPUT), `check`
// applies the rules no role breaks (src/authz/rules.ts) and throws the refusal, `write` makes the
// change in the store it is given. The mutation adds what is not access (audit, sessions) around it.
import type { Context } from '../graphql/context';
import { BadInputError, NotFoundError } from '../errors';
import type { ScopeType } from './resources';
import { assertMayChangeAccessOf, type Actor } from './rules';
import { accessStore } from './store';
import type { AccessStore } from './store/types';

export interface PreparedChange {
  accountId: string;
  /** Whom the change is about (null: a role's holders, or nobody in particular). */
  subject: { userId: string; scope: { type: ScopeType; id: string } } | null;
}

export interface AccessChange<I, P extends PreparedChange, R> {
  /** Loads and validates: throws NOT_FOUND for unknown ids and BAD_USER_INPUT for malformed input. */
  prepare(ctx: Context, input: I): Promise<P>;
  /** The rules, against `store`: throws the refusal (BAD_USER_INPUT) the mutation answers with. */
  check(store: AccessStore, actor: Actor, prepared: P): Promise<void>;
  /** Makes the change in `store`; a unique fact that already holds is a refusal (BAD_USER_INPUT). */
  write(store: AccessStore, prepared: P, now: Date): Promise<R>;
}

/** What a mutation does: prepare, check, write — against `store`, as the acting principal. */
export async function performChange<I, P extends PreparedChange, R>(
  ctx: Context,
  store: AccessStore,
  change: AccessChange<I, P, R>,
  input: I,
): Promise<{ prepared: P; result: R }> {
  const prepared = await change.prepare(ctx, input);
  await change.check(store, await ctx.authz.actor(prepared.accountId), prepared);
  return { prepared, result: await change.write(store, prepared, new Date()) };
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
  async prepare(_ctx, input) {
    if (!(await accessStore.isMember(input.accountId, input.userId))) throw new NotFoundError('member', input.userId);
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
