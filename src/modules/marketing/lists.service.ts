// Mailing lists. Deleting a list deletes its contacts (its campaigns keep running without a list).
import type { Context } from '../../graphql/context';
import type { CreateListInput, UpdateListInput } from '../../graphql/generated';
import { createRecorded, deleteRecorded, saveChanges } from '../save';
import { cleanName, has, workspaceOf } from './common';
import { MailingList, type MailingListDoc } from './list.model';
import { Contact } from './contact.model';

export async function createList(ctx: Context, input: CreateListInput): Promise<MailingListDoc> {
  const name = cleanName(input.name, 'name');
  const ws = await workspaceOf(ctx, input.workspaceId);
  return createRecorded(
    ctx,
    MailingList,
    { accountId: ws.accountId, workspaceId: ws._id, name, createdBy: ctx.actorId },
    { action: 'list.created' },
  );
}

export async function updateList(ctx: Context, id: string, input: UpdateListInput): Promise<MailingListDoc> {
  const before = await ctx.loaders.existing<MailingListDoc>('MailingList', id);
  const set: Partial<MailingListDoc> = {};
  if (has(input, 'name')) set.name = cleanName(input.name, 'name');
  return saveChanges(ctx, MailingList, before, set, { action: 'list.updated' });
}

export async function deleteList(ctx: Context, id: string): Promise<boolean> {
  const list = await ctx.loaders.existing<MailingListDoc>('MailingList', id);
  // The list goes first (an import that finishes after this undoes itself); then its contacts, for
  // good: the event keeps who deleted how many.
  return deleteRecorded(ctx, MailingList, list, {
    action: 'list.deleted',
    children: async () => ({ contactsDeleted: (await Contact.deleteMany({ listId: id })).deletedCount }),
  });
}
