// Mailing lists. Deleting a list deletes its contacts (its campaigns keep running without a list).
import type { Context } from '../../graphql/context';
import { NotFoundError } from '../../errors';
import { cleanName, has, userId, workspaceOf, prime } from './common';
import { MailingList, type MailingListDoc } from './list.model';
import { Contact } from './contact.model';

export async function createList(ctx: Context, input: { workspaceId: string; name: string }): Promise<MailingListDoc> {
  const name = cleanName(input.name, 'name');
  const ws = await workspaceOf(ctx, input.workspaceId);
  const list = (await MailingList.create({ accountId: ws.accountId, workspaceId: ws._id, name, createdBy: userId(ctx) })).toObject();
  prime(ctx, 'MailingList', list);
  return list;
}

export async function updateList(ctx: Context, id: string, input: { name?: string | null }): Promise<MailingListDoc> {
  const set: Partial<MailingListDoc> = {};
  if (has(input, 'name')) set.name = cleanName(input.name, 'name');
  const list = await MailingList.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }).lean();
  if (!list) throw new NotFoundError('MailingList', id);
  prime(ctx, 'MailingList', list);
  return list;
}

export async function deleteList(ctx: Context, id: string): Promise<boolean> {
  // The list goes first, so no import can add to it meanwhile; then its contacts.
  const res = await MailingList.deleteOne({ _id: id });
  if (res.deletedCount === 0) throw new NotFoundError('MailingList', id);
  await Contact.deleteMany({ listId: id });
  ctx.loaders.forget('MailingList', id);
  return true;
}
