// Mautic (MA3/MA4): an administrator sets another user's password for them. Users are global, so this
// is allowed only for a user who belongs to this account alone (else an admin of one account could
// take over a login used elsewhere), never for the owner, never for oneself (updateMySettings is for
// that), and an admin's password only by the owner or another admin. The user's sessions end.
import type { Context } from '../../graphql';
import type { SetUserPasswordInput } from '../../generated';
import { assertStrongPassword, hashPassword } from '../../crypto';
import { BadInputError, NotFoundError } from '../../errors';
import { Member, type AccountDoc } from '../accounts/account.model';
import { isAccountAdmin } from '../../authz';
import { Session, User, type UserDoc } from './user.model';

export async function setUserPassword(ctx: Context, input: SetUserPasswordInput): Promise<UserDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  if (!(await Member.exists({ accountId: account._id, userId: input.userId }))) throw new NotFoundError('member', input.userId);
  if (input.userId === ctx.actorId) throw new BadInputError('Change your own password with updateMySettings', 'userId');
  if (input.userId === account.ownerId) throw new BadInputError("Nobody sets the account owner's password but the owner", 'userId');
  const others = await Member.countDocuments({ userId: input.userId, accountId: { $ne: account._id } });
  if (others > 0) {
    throw new BadInputError(
      'This user also belongs to other accounts: they change their password themselves (or reset it by email)',
      'userId',
    );
  }
  if ((await isAccountAdmin(ctx.access, account._id, input.userId)) && !(await isAccountAdmin(ctx.access, account._id, ctx.actorId))) {
    throw new BadInputError("An admin's password is set only by the owner or another admin", 'userId');
  }
  assertStrongPassword(input.password, 'password');
  const passwordHash = await hashPassword(input.password);
  const after = await User.findOneAndUpdate({ _id: input.userId }, { $set: { passwordHash } }, { returnDocument: 'after' }).lean<UserDoc>();
  if (!after) throw new NotFoundError('user', input.userId);
  ctx.loaders.forget('User', after._id);
  const ended = await Session.updateMany({ userId: after._id, revokedAt: null }, { $set: { revokedAt: new Date() } });
  await ctx.audit.record({
    accountId: account._id,
    action: 'user.passwordSet',
    target: { type: 'User', id: after._id },
    meta: { sessionsEnded: ended.modifiedCount },
  });
  return after;
}
