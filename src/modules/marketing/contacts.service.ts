// Contacts: all-or-nothing imports, edits, CSV export (audited).
//
// Imports without transactions: every row is validated before anything is written (one bad row
// refuses the whole import, naming it: `contacts.3.email`); emails already on the list are left as
// they are and counted as `skipped`; the new contacts are written with insertMany in batches, and if
// a batch fails, every contact this import inserted is deleted again before the error is returned.
import { stringify } from 'csv-stringify';
import DataLoader from 'dataloader';
import type { Context } from '../../graphql/context';
import { BadInputError, NotFoundError } from '../../errors';
import { newId } from '../../db/ids';
import { cleanEmail, cleanOptional, has, PERSON_NAME_MAX, userId, prime } from './common';
import { isDuplicateKey } from '../../db/errors';
import { Contact, type ContactDoc } from './contact.model';
import { MailingList, type MailingListDoc } from './list.model';

export const IMPORT_MAX_ROWS = 10_000;
const WRITE_BATCH = 1000;
const LOOKUP_BATCH = 1000;

export interface ContactRow {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
}

/** What importContacts returns (ImportResult's parent). */
export interface ImportResultParent {
  imported: number;
  skipped: number;
  total: number;
  listId: string;
}

async function loadList(ctx: Context, listId: string): Promise<MailingListDoc> {
  const list = await ctx.loaders.load<MailingListDoc>('MailingList', listId);
  if (!list) throw new NotFoundError('MailingList', listId);
  return list;
}

/** Validates every row; returns the cleaned rows or throws BAD_USER_INPUT naming the first bad one. */
export function validateRows(rows: readonly ContactRow[]): { email: string; firstName: string | null; lastName: string | null }[] {
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

export async function importContacts(ctx: Context, input: { listId: string; contacts: ContactRow[] }): Promise<ImportResultParent> {
  const list = await loadList(ctx, input.listId);
  const rows = validateRows(input.contacts);

  // Emails already on the list: skipped (left unchanged).
  const existing = new Set<string>();
  for (let i = 0; i < rows.length; i += LOOKUP_BATCH) {
    const emails = rows.slice(i, i + LOOKUP_BATCH).map((r) => r.email);
    const found = await Contact.find({ listId: list._id, email: { $in: emails } })
      .select({ email: 1 })
      .lean();
    for (const c of found) existing.add(c.email);
  }

  const createdBy = userId(ctx);
  const now = new Date();
  // Written with `lean` (no per-document casting: the rows are already clean), so timestamps are set here.
  const docs = rows
    .filter((r) => !existing.has(r.email))
    .map((r) => ({
      _id: newId(),
      accountId: list.accountId,
      workspaceId: list.workspaceId,
      listId: list._id,
      createdBy,
      ...r,
      createdAt: now,
      updatedAt: now,
    }));
  const undo = () => Contact.deleteMany({ _id: { $in: docs.map((d) => d._id) } });

  try {
    for (let i = 0; i < docs.length; i += WRITE_BATCH) {
      await Contact.insertMany(docs.slice(i, i + WRITE_BATCH), { ordered: true, lean: true });
    }
  } catch (err) {
    await undo();
    if (isDuplicateKey(err)) {
      throw new BadInputError('Some of these emails were added to the list while importing; nothing was imported: try again', 'contacts');
    }
    throw err;
  }
  // The list was deleted meanwhile: its contacts must not outlive it.
  if (docs.length && !(await MailingList.exists({ _id: list._id }))) {
    await undo();
    throw new NotFoundError('MailingList', list._id);
  }
  return { imported: docs.length, skipped: rows.length - docs.length, total: rows.length, listId: list._id };
}

export async function updateContact(
  ctx: Context,
  id: string,
  input: { email?: string | null; firstName?: string | null; lastName?: string | null },
): Promise<ContactDoc> {
  const set: Record<string, string | null> = {};
  if (has(input, 'email')) set.email = cleanEmail(input.email, 'email');
  if (has(input, 'firstName')) set.firstName = cleanOptional(input.firstName, 'firstName', PERSON_NAME_MAX);
  if (has(input, 'lastName')) set.lastName = cleanOptional(input.lastName, 'lastName', PERSON_NAME_MAX);
  if (set.email) {
    const current = await ctx.loaders.load<ContactDoc>('Contact', id);
    if (current && current.email !== set.email && (await Contact.exists({ listId: current.listId, email: set.email }))) {
      throw new BadInputError(`${set.email} is already on this list`, 'email');
    }
  }
  let contact: ContactDoc | null;
  try {
    contact = await Contact.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }).lean();
  } catch (err) {
    if (isDuplicateKey(err)) throw new BadInputError(`${set.email} is already on this list`, 'email');
    throw err;
  }
  if (!contact) throw new NotFoundError('Contact', id);
  prime(ctx, 'Contact', contact);
  return contact;
}

export async function deleteContact(ctx: Context, id: string): Promise<boolean> {
  const res = await Contact.deleteOne({ _id: id });
  if (res.deletedCount === 0) throw new NotFoundError('Contact', id);
  ctx.loaders.forget('Contact', id);
  return true;
}

export const CSV_COLUMNS = ['email', 'firstName', 'lastName', 'createdAt'] as const;

/** Spreadsheet formula injection (OWASP "CSV injection"): a cell starting with = + - @ is prefixed with '. */
function cell(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The list's contacts as CSV with a header row, streamed from the database in _id order. Audited. */
export async function exportContacts(ctx: Context, listId: string): Promise<string> {
  const list = await loadList(ctx, listId);
  const stringifier = stringify({ header: true, columns: [...CSV_COLUMNS] });
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
    stringifier.write([cell(c.email), cell(c.firstName), cell(c.lastName), new Date(c.createdAt).toISOString()]);
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
