// Ownership (rule 1: only the owner, rule 8: in person) and its last act, deleting the account.
import mongoose from 'mongoose';
import type { Context } from '../../graphql';
import type { TransferOwnershipInput } from '../../generated';
import { BadInputError, NotFoundError } from '../../errors';
import { Account, type AccountDoc } from '../accounts/account.model';
import { closeTombstone, openTombstone } from '../accounts/tombstone';

/** Rule 8: the owner-only actions are taken by the owner in person, never through a token. */
function assertOwnerInPerson(ctx: Context, account: AccountDoc, field: string, what: string): void {
  if (ctx.principal?.kind === 'token') throw new BadInputError(`Only the account owner, signed in, can ${what}: not an API token`, field);
  if (account.ownerId !== ctx.actorId) throw new BadInputError(`Only the account owner can ${what}`, field);
}

export async function transferOwnership(ctx: Context, input: TransferOwnershipInput): Promise<AccountDoc> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', input.accountId);
  const me = ctx.actorId;
  assertOwnerInPerson(ctx, account, 'accountId', 'transfer its ownership');
  if (input.userId === me) throw new BadInputError('You already own this account', 'userId');
  if (!(await ctx.access.isMember(account._id, input.userId))) throw new NotFoundError('member', input.userId);
  // Rule 9: one transfer per owner epoch (a claim), so concurrent transfers have one winner.
  if (!(await ctx.access.transferOwnership(account._id, me, input.userId, me))) {
    throw new BadInputError('Ownership changed meanwhile: reload and try again', 'accountId');
  }
  ctx.loaders.forget('Account', account._id);
  await ctx.audit.change({
    accountId: account._id,
    action: 'account.ownershipTransferred',
    target: { type: 'Account', id: account._id },
    before: { ownerId: me },
    after: { ownerId: input.userId },
  });
  return await ctx.loaders.existing<AccountDoc>('Account', account._id);
}

export async function deleteAccount(ctx: Context, id: string): Promise<boolean> {
  const account = await ctx.loaders.existing<AccountDoc>('Account', id);
  assertOwnerInPerson(ctx, account, 'id', 'delete the account');
  // The account's audit chain goes with it: a tombstone outside that chain keeps who, when and how.
  const tombstone = await openTombstone(ctx, account);
  const counts: Record<string, number> = {};
  await ctx.access.dropAccount(account._id);
  for (const name of mongoose.modelNames()) {
    if (name === 'Account') continue;
    const M = mongoose.model(name);
    if (!M.schema.path('accountId')) continue;
    const r = await M.deleteMany({ accountId: account._id });
    if (r.deletedCount) counts[name] = r.deletedCount;
  }
  await Account.deleteOne({ _id: account._id });
  ctx.loaders.forget('Account', account._id);
  await closeTombstone(tombstone, counts);
  ctx.log.info({ accountId: account._id, by: ctx.actorId, deleted: counts }, 'account deleted');
  return true;
}
