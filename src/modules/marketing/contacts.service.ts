// Contacts: imports, edits, CSV export (audited).
//
// Imports without transactions: every row is validated before anything is written (one bad row
// refuses the whole import, naming it: `contacts.3.email`). Then every row is inserted in one
// unordered insert, and the unique (listId, email) index decides what is new: a row whose email is already
// on the list — before the import or written meanwhile by another one — is refused by the index and
// counted as `skipped` (that contact is left as it is). Nothing is read first, so two imports racing
// on the same emails can neither duplicate a contact nor fail. Any other write error deletes every
// contact this import inserted before the error is returned.
import { csvWriter } from '../../csv';
import DataLoader from 'dataloader';
import type { Context } from '../../graphql';
import type { ContactInput, ImportContactsInput, UpdateContactInput } from '../../generated';
import { BadInputError, NotFoundError } from '../../errors';
import { newId, isDuplicateKey, writeErrorsOf } from '../../db';
import { cleanEmail } from '../../mail';
import { cleanOptional, has, PERSON_NAME_MAX } from './common';
import { deleteRecorded, saveChanges } from '../save';
import { Contact, type ContactDoc, type ImportResultParent } from './contact.model';
import { MailingList, type MailingListDoc } from './list.model';
import { deletePages, dropRefused, reservePlaces, unplace, writePages } from './contact-pages.service';

export const IMPORT_MAX_ROWS = 10_000;

/** Validates every row; returns the cleaned rows or throws BAD_USER_INPUT naming the first bad one. */
export function validateRows(rows: readonly ContactInput[]): { email: string; firstName: string | null; lastName: string | null }[] {
  if (!Array.isArray(rows) || rows.length === 0) throw new BadInputError('contacts must hold at least one row', 'contacts');
  if (rows.length > IMPORT_MAX_ROWS) {
    throw new BadInputError(`An import holds at most ${IMPORT_MAX_ROWS} rows (this one has ${rows.length}): split it`, 'contacts');
  }
  const firstRow = new Map<string, number>();
  return rows.map((row, i) => {
    const email = cleanEmail(row.email, `contacts.${i}.email`);
    const firstName = cleanOptional(row.firstName, `contacts.${i}.firstName`, PERSON_NAME_MAX);
    const lastName = cleanOptional(row.lastName, `contacts.${i}.lastName`, PERSON_NAME_MAX);
    const seen = firstRow.get(email);
    if (seen !== undefined) {
      throw new BadInputError(`contacts.${i}.email: ${email} is already in row ${seen} of this import`, `contacts.${i}.email`);
    }
    firstRow.set(email, i);
    return { email, firstName, lastName };
  });
}

export async function importContacts(ctx: Context, input: ImportContactsInput): Promise<ImportResultParent> {
  const list = await ctx.loaders.existing<MailingListDoc>('MailingList', input.listId);
  const rows = validateRows(input.contacts);

  const createdBy = ctx.actorId;
  const now = new Date();
  // Places in the list's page directory (contact-pages.service.ts), whole pages of its own, written
  // before the contacts: a page naming a contact that is not there is skipped by readers.
  const first = await reservePlaces(list._id, rows.length);
  // Written straight through the driver (the rows are already clean, so no casting), timestamps set here.
  const docs = rows.map((r, i) => ({
    _id: newId(),
    accountId: list.accountId,
    workspaceId: list.workspaceId,
    listId: list._id,
    createdBy,
    ...r,
    createdAt: now,
    updatedAt: now,
    ...(first === null ? {} : { seq: first + i }),
  }));
  const ids = docs.map((d) => d._id);
  const pages = first === null ? [] : await writePages(list, first, ids);
  const undo = () => Promise.all([Contact.deleteMany({ _id: { $in: ids } }), deletePages(pages)]);

  const refused = new Set<string>();
  try {
    // One unordered insert of every row: one round trip and one commit of the embedded database
    // rather than one per thousand rows (the driver splits it only past its message size).
    for (const k of await insertBatch(docs)) refused.add(docs[k]!._id);
    if (first !== null) await dropRefused(list._id, first, ids, refused);
  } catch (err) {
    await undo();
    throw err;
  }
  const skipped = refused.size;
  const imported = docs.length - skipped;
  // The list was deleted meanwhile: its contacts must not outlive it.
  if (imported && !(await MailingList.exists({ _id: list._id }))) {
    await undo();
    throw new NotFoundError('MailingList', list._id);
  }
  // One event per import: how many, never who (the rows stay on the list, not in the audit log).
  await ctx.audit.record({
    accountId: list.accountId,
    workspaceId: list.workspaceId,
    action: 'contacts.imported',
    target: { type: 'MailingList', id: list._id },
    meta: { listName: list.name, imported, skipped, total: rows.length },
  });
  return { imported, skipped, total: rows.length, listId: list._id };
}

/**
 * Inserts one batch unordered: every row is tried, whatever happens to the others. Returns the
 * positions in the batch the unique (listId, email) index refused as already on the list; any other
 * failure is thrown.
 */
async function insertBatch(batch: Record<string, unknown>[]): Promise<number[]> {
  try {
    await Contact.collection.insertMany(batch, { ordered: false });
    return [];
  } catch (err) {
    const refused = writeErrorsOf(err);
    if (refused.length === 0 || !isDuplicateKey(err)) throw err;
    return refused.map((e) => (e as { index: number }).index);
  }
}

export async function updateContact(ctx: Context, id: string, input: UpdateContactInput): Promise<ContactDoc> {
  const before = await ctx.loaders.existing<ContactDoc>('Contact', id);
  const set: Partial<ContactDoc> = {};
  if (has(input, 'email')) set.email = cleanEmail(input.email, 'email');
  if (has(input, 'firstName')) set.firstName = cleanOptional(input.firstName, 'firstName', PERSON_NAME_MAX);
  if (has(input, 'lastName')) set.lastName = cleanOptional(input.lastName, 'lastName', PERSON_NAME_MAX);
  // An email already on the list is refused by the unique (listId, email) index, not by a read first.
  return saveChanges(ctx, Contact, before, set, {
    action: 'contact.updated',
    duplicate: { field: 'email', message: `${set.email} is already on this list` },
  });
}

export async function deleteContact(ctx: Context, id: string): Promise<boolean> {
  const before = await ctx.loaders.existing<ContactDoc>('Contact', id);
  const deleted = await deleteRecorded(ctx, Contact, before, { action: 'contact.deleted' });
  await unplace(before);
  return deleted;
}

export const CSV_COLUMNS = ['email', 'firstName', 'lastName', 'createdAt'] as const;

/** The list's contacts as CSV with a header row, streamed from the database in _id order. Audited. */
export async function exportContacts(ctx: Context, listId: string): Promise<string> {
  const list = await ctx.loaders.existing<MailingListDoc>('MailingList', listId);
  const stringifier = csvWriter(CSV_COLUMNS);
  const out: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stringifier.on('data', (chunk: Buffer | string) => out.push(String(chunk)));
    stringifier.on('end', resolve);
    stringifier.on('error', reject);
  });
  let count = 0;
  const cursor = Contact.find({ listId: list._id })
    .sort({ _id: 1 })
    .select({ email: 1, firstName: 1, lastName: 1, createdAt: 1 })
    .lean()
    .cursor({ batchSize: 1000 });
  for await (const c of cursor) {
    stringifier.write([c.email, c.firstName ?? '', c.lastName ?? '', new Date(c.createdAt).toISOString()]);
    count++;
  }
  stringifier.end();
  await done;
  await ctx.audit.record({
    accountId: list.accountId,
    workspaceId: list.workspaceId,
    action: 'contacts.exported',
    target: { type: 'MailingList', id: list._id },
    meta: { listName: list.name, count, format: 'csv' },
  });
  return out.join('');
}

/** contactCount of many lists in one aggregation per request. */
export function contactCountLoader(ctx: Context): DataLoader<string, number> {
  return ctx.loaders.keyed(
    'Contact.countByList',
    () =>
      new DataLoader<string, number>(async (listIds) => {
        const rows = (await Contact.aggregate([
          { $match: { listId: { $in: [...listIds] } } },
          { $group: { _id: '$listId', n: { $sum: 1 } } },
        ])) as { _id: string; n: number }[];
        const counts = new Map(rows.map((r) => [r._id, r.n]));
        return listIds.map((id) => counts.get(id) ?? 0);
      }),
  );
}
