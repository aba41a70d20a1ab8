// Mailing lists. Deleting a list deletes its contacts (its campaigns keep running without a list).
import type { Context } from '../../graphql/context';
import { NotFoundError } from '../../errors';
import { cleanName, has, workspaceOf } from './common';
import { MailingList, type MailingListDoc } from './list.model';
import { Contact } from './contact.model';

export async function createList(ctx: Context, input: { workspaceId: string; name: string }): Promise<MailingListDoc> {
  const name = cleanName(input.name, 'name');
  const ws = await workspaceOf(ctx, input.workspaceId);
  const list = (await MailingList.create({ accountId: ws.accountId, workspaceId: ws._id, name, createdBy: ctx.actorId })).toObject();
  ctx.loaders.prime('MailingList', list);
  return list;
}

export async function updateList(ctx: Context, id: string, input: { name?: string | null }): Promise<MailingListDoc> {
  const set: Partial<MailingListDoc> = {};
  if (has(input, 'name')) set.name = cleanName(input.name, 'name');
  const list = await MailingList.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }).lean();
  if (!list) throw new NotFoundError('MailingList', id);
  ctx.loaders.prime('MailingList', list);
  return list;
}

export async function deleteList(ctx: Context, id: string): Promise<boolean> {
  const list = await ctx.loaders.existing<MailingListDoc>('MailingList', id);
  // The list goes first (an import that finishes after this undoes itself); then its contacts.
  const res = await MailingList.deleteOne({ _id: id });
  if (res.deletedCount === 0) throw new NotFoundError('MailingList', id);
  const contacts = await Contact.deleteMany({ listId: id });
  ctx.loaders.forget('MailingList', id);
  // Contacts are gone for good: keep a record of who deleted how many.
  await ctx.audit.record({
    accountId: list.accountId,
    workspaceId: list.workspaceId,
    action: 'list.deleted',
    target: { type: 'MailingList', id },
    meta: { name: list.name, contactsDeleted: contacts.deletedCount },
  });
  return true;
}
