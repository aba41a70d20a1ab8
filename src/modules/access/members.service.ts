// Membership: an admin creates a member (with a login to verify) or removes one (bindings, tokens,
// invitations they sent and sessions go with it). Invitations: invitations.service.ts; ownership and
// account deletion: ownership.service.ts. Every change is audited and bumps permissionsVersion.
import { type Context, performChange, type AccessChange, type PreparedChange } from '../../graphql';
import type { CreateUserInput, RemoveMemberInput } from '../../generated';
import { assertStrongPassword, hashPassword } from '../../crypto';
import { BadInputError, NotFoundError } from '../../errors';
import { assertMayChangeAccessOf, type AccessStore } from '../../authz';
import type { AccountDoc } from '../accounts/account.model';
import { Session, User, type UserDoc } from '../identity/user.model';
import { mailVerification, verifiedHolder } from '../identity/email.service';
import { isDuplicateKey } from '../../db';
// Seats of the plan (MT17): every way in takes one first.
import { assertSeatFree, seatFreed, takeSeat } from '../billing/seats.service';
import { cleanEmail } from '../../mail';
import { displayName, optional, SIGNATURE_MAX } from './profile';

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

export async function createUser(ctx: Context, input: CreateUserInput): Promise<UserDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  const email = cleanEmail(input.email, 'email');
  assertStrongPassword(input.password);
  const profile = {
    firstName: optional(input.firstName, 'firstName'),
    lastName: optional(input.lastName, 'lastName'),
    username: optional(input.username, 'username'),
    position: optional(input.position, 'position'),
    signature: optional(input.signature, 'signature', SIGNATURE_MAX),
    timezone: optional(input.timezone, 'timezone'),
    language: optional(input.language, 'language'),
  };
  if (await verifiedHolder(email)) {
    throw new BadInputError('A user with this email already exists: invite them with inviteUser instead', 'email');
  }
  await assertSeatFree(account, 'accountId');
  let user: UserDoc;
  try {
    user = (
      await User.create({
        email,
        name: displayName(profile.firstName, profile.lastName, profile.username ?? email.split('@')[0]!),
        passwordHash: await hashPassword(input.password),
        ...profile,
      })
    ).toObject();
  } catch (err) {
    if (isDuplicateKey(err)) throw new BadInputError('A user with this email already exists: invite them with inviteUser instead', 'email');
    throw err;
  }
  try {
    const seat = await takeSeat(account, user._id, 'accountId');
    if (!(await ctx.access.addMember({ accountId: account._id, userId: user._id, createdBy: ctx.actorId }))) await seat.release();
  } catch (err) {
    await User.deleteOne({ _id: user._id });
    throw err;
  }
  // The address is the admin's word, not proven: roles wait until the user follows the mailed link.
  await mailVerification(ctx, user);
  await ctx.audit.change({
    accountId: account._id,
    action: 'member.created',
    target: { type: 'User', id: user._id },
    after: { email, name: user.name, ...profile },
  });
  return user;
}

export async function removeMember(ctx: Context, input: RemoveMemberInput): Promise<boolean> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  // Bindings, pending invitations they sent and their tokens go with the membership (src/authz/changes.ts).
  const { result } = await performChange(ctx, ctx.access, removeMemberChange, input);
  const { bindings, invitationsRevoked, tokensRevoked } = result;
  const now = new Date();
  if (result.removed) await seatFreed(account._id);
  // Their sessions end at once: whatever they had open (in this account or any) must sign in again.
  const sessions = await Session.updateMany({ userId: input.userId, revokedAt: null }, { $set: { revokedAt: now } });
  await ctx.audit.change({
    accountId: account._id,
    action: 'member.removed',
    target: { type: 'User', id: input.userId },
    before: { userId: input.userId, bindings: bindings.map((b) => ({ roleId: b.roleId, scope: { type: b.scopeType, id: b.scopeId } })) },
    meta: {
      apiTokensRevoked: tokensRevoked,
      sessionsRevoked: sessions.modifiedCount,
      invitationsRevoked,
    },
  });
  return true;
}
