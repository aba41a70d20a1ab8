// Mailing lists. Deleting a list deletes its contacts (its campaigns keep running without a list).
import type { Context } from '../../graphql';
import type { CreateListInput, UpdateListInput } from '../../generated';
import { createInWorkspace, deleteRecorded, saveChanges } from '../save';
import { cleanName, has } from './common';
import { MailingList, type MailingListDoc } from './list.model';
import { Contact } from './contact.model';
import { ContactPage } from './contact-pages.service';

export async function createList(ctx: Context, input: CreateListInput): Promise<MailingListDoc> {
  return createInWorkspace(ctx, MailingList, input.workspaceId, { name: cleanName(input.name, 'name') }, { action: 'list.created' });
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
    children: async () => {
      const contactsDeleted = (await Contact.deleteMany({ listId: id })).deletedCount;
      await ContactPage.deleteMany({ listId: id });
      return { contactsDeleted };
    },
  });
}
