// A list's contacts in pages the store finds by `_id`. The embedded database uses an
// index only for `_id` and unique keys, never for a range: `find({listId}).sort({_id}).limit(51)`
// read a large part of a 100k list. So every contact gets a place in its list, `seq` (dense, in
// import order; the list's `contactSeq` counts them), and the list has a directory of pages: one
// ContactPage document per PAGE_SIZE places, `_id: "<listId>:<page>"`, holding the ids placed there.
// A connection page is then a few `_id $in` reads: the pages, then their contacts.
//
// Concurrency without a read-then-write: an import reserves its places with one `$inc` on the list,
// rounded up to whole pages, so the pages it writes are its own and are inserted, never updated. It
// writes its pages before its contacts: a page may name a contact that was never written (a row the
// unique (listId, email) index refused, an undone import) or was deleted since; readers skip ids
// that resolve to nothing, so a page is never wrong, only sometimes shorter. Deleting a contact
// pulls its id from its page (tidying; not needed for correctness).
//
// Lists written before this (no `contactSeq`) are paged by the data upgrade `pageAllLists` at start;
// a list still without it is read the old way (MongoDB keeps the compound indexes either way).
import mongoose, { Schema, type Model } from 'mongoose';
import {
  type Context,
  connectionOf,
  decodeCursor,
  pageSize,
  paginate,
  VISIBILITY,
  type Connection,
  type ConnectionArgs,
} from '../../graphql';
import { claimOnce } from '../../db';
import { Contact, type ContactDoc } from './contact.model';
import { MailingList, type MailingListDoc } from './list.model';

/** Places per directory page. */
export const PAGE_SIZE = 50;

export interface ContactPageDoc {
  /** `<listId>:<page>` */
  _id: string;
  /** Deleting the account deletes its pages (every model with accountId: src/modules/access/ownership.service.ts). */
  accountId: string;
  listId: string;
  ids: string[];
}

const contactPageSchema = new Schema<ContactPageDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    listId: { type: String, required: true },
    ids: { type: [String], default: [] },
  },
  { versionKey: false, id: false },
);
// Deleting a list deletes its pages (not a hot path).
contactPageSchema.index({ listId: 1 });
contactPageSchema.index({ accountId: 1 });
export const ContactPage: Model<ContactPageDoc> = mongoose.model<ContactPageDoc>('ContactPage', contactPageSchema);

const pageId = (listId: string, page: number) => `${listId}:${page}`;

/**
 * Reserves places for `n` contacts on a paged list: the first place, or null when the list is not
 * paged (yet) or is gone. The reservation is rounded up to whole pages, so no two imports share one.
 */
export async function reservePlaces(listId: string, n: number): Promise<number | null> {
  const span = Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
  const after = await MailingList.findOneAndUpdate(
    { _id: listId, contactSeq: { $exists: true } },
    { $inc: { contactSeq: span } },
    { returnDocument: 'after', projection: { contactSeq: 1 } },
  ).lean<{ contactSeq: number } | null>();
  return after ? after.contactSeq - span : null;
}

type ListRef = Pick<MailingListDoc, '_id' | 'accountId'>;

/** The pages of `ids` placed from `first` on (a multiple of PAGE_SIZE): inserted, each page this caller's own. */
export async function writePages(list: ListRef, first: number, ids: readonly string[]): Promise<string[]> {
  const pages: ContactPageDoc[] = [];
  for (let i = 0; i < ids.length; i += PAGE_SIZE) {
    const _id = pageId(list._id, (first + i) / PAGE_SIZE);
    pages.push({ _id, accountId: list.accountId, listId: list._id, ids: ids.slice(i, i + PAGE_SIZE) });
  }
  if (pages.length) await ContactPage.collection.insertMany(pages as never[], { ordered: false });
  return pages.map((p) => p._id);
}

export async function deletePages(pageIds: readonly string[]): Promise<void> {
  if (pageIds.length) await ContactPage.deleteMany({ _id: { $in: [...pageIds] } });
}

/** Tidies the directory after a contact was deleted. */
export async function unplace(contact: Pick<ContactDoc, '_id' | 'listId'> & { seq?: number | null }): Promise<void> {
  if (typeof contact.seq !== 'number') return;
  await ContactPage.updateOne({ _id: pageId(contact.listId, Math.floor(contact.seq / PAGE_SIZE)) }, { $pull: { ids: contact._id } });
}

/** The list's contacts connection: from the directory when the list is paged, else the old query. */
export async function contactsOf(ctx: Context, list: MailingListDoc, args: ConnectionArgs): Promise<Connection<ContactDoc>> {
  if (typeof list.contactSeq !== 'number' || args[VISIBILITY]) return ctx.loaders.page(Contact, 'listId', list._id, args);
  const limit = pageSize(args.first);
  let afterSeq = -1;
  if (args.after) {
    const at = await ctx.loaders.load<ContactDoc>('Contact', decodeCursor(args.after));
    // A cursor whose contact is gone (or of another list): where it stood is unknown, read the old way.
    if (!at || at.listId !== list._id || typeof at.seq !== 'number') return paginate(Contact, { listId: list._id }, args);
    afterSeq = at.seq;
  }
  const total = () => Contact.countDocuments({ listId: list._id }).exec();
  const lastPage = Math.floor((list.contactSeq - 1) / PAGE_SIZE);
  const cursorId = args.after ? decodeCursor(args.after) : null;
  const found: ContactDoc[] = [];
  // Ids named by the pages read so far, in place order (a page lists its ids in order), not yet loaded.
  let queue: string[] = [];
  let page = Math.floor((afterSeq + 1) / PAGE_SIZE);
  // Pages read per round: enough for the page asked when none is thinned by deletes; doubled after
  // a round that came up short.
  let span = Math.ceil((((afterSeq + 1) % PAGE_SIZE) + limit + 1) / PAGE_SIZE);
  let firstRound = true;
  while (found.length <= limit) {
    if (!queue.length) {
      if (page > lastPage) break;
      const ids = Array.from({ length: Math.min(span, lastPage - page + 1) }, (_, i) => pageId(list._id, page + i));
      const start = page;
      page += ids.length;
      span *= 2;
      const pages = await ContactPage.find({ _id: { $in: ids } }).lean();
      const order = (id: string) => Number(id.slice(id.lastIndexOf(':') + 1)) - start;
      queue = pages.sort((x, y) => order(x._id) - order(y._id)).flatMap((p) => p.ids);
      if (firstRound && cursorId) {
        const k = queue.indexOf(cursorId);
        if (k >= 0) queue = queue.slice(k + 1);
      }
      firstRound = false;
      continue;
    }
    // Only as many as the page still needs: the request's by-id loader reads them in one `_id $in`
    // and keeps them for the fields asked of them.
    const take = queue.splice(0, limit + 1 - found.length);
    const docs = await ctx.loaders.byId<ContactDoc>('Contact').loadMany(take);
    for (const d of docs) {
      if (d && !(d instanceof Error) && d.listId === list._id && typeof d.seq === 'number' && d.seq > afterSeq) found.push(d);
    }
  }
  found.sort((x, y) => x.seq! - y.seq!);
  return connectionOf(found.slice(0, limit + 1), limit, { after: args.after, totalCount: total });
}

/**
 * After an import: the ids of rows the unique index refused (already on the list) leave the pages
 * this import wrote (its own), in one bulk write; a page left empty is deleted.
 */
export async function dropRefused(listId: string, first: number, ids: readonly string[], refused: ReadonlySet<string>): Promise<void> {
  if (!refused.size) return;
  const emptied: string[] = [];
  const ops: Parameters<typeof ContactPage.bulkWrite>[0] = [];
  for (let i = 0; i < ids.length; i += PAGE_SIZE) {
    const own = ids.slice(i, i + PAGE_SIZE);
    const kept = own.filter((id) => !refused.has(id));
    if (kept.length === own.length) continue;
    const _id = pageId(listId, (first + i) / PAGE_SIZE);
    if (kept.length) ops.push({ updateOne: { filter: { _id }, update: { $set: { ids: kept } } } });
    else emptied.push(_id);
  }
  await Promise.all([deletePages(emptied), ops.length ? ContactPage.bulkWrite(ops, { ordered: false }) : undefined]);
}

/**
 * Gives an unpaged list its places and pages, once (a claim per list): its contacts in `_id` order
 * get `seq` 0, 1, …, the pages are written, and `contactSeq` set last, which switches readers and
 * imports to the directory.
 */
export async function pageList(listId: string, accountId: string): Promise<number> {
  if (!(await claimOnce(`contactpages|${listId}`, accountId))) return 0;
  const ids = (await Contact.find({ listId }).sort({ _id: 1 }).select({ _id: 1 }).lean()).map((c) => c._id);
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000);
    await Contact.bulkWrite(batch.map((_id, k) => ({ updateOne: { filter: { _id }, update: { $set: { seq: i + k } } } })));
  }
  await writePages({ _id: listId, accountId }, 0, ids);
  await MailingList.updateOne(
    { _id: listId, contactSeq: { $exists: false } },
    { $set: { contactSeq: Math.ceil(ids.length / PAGE_SIZE) * PAGE_SIZE } },
  );
  // Contacts an import wrote meanwhile, unplaced (it found the list unpaged): placed after the rest.
  const late = (
    await Contact.find({ listId, seq: { $exists: false } })
      .sort({ _id: 1 })
      .select({ _id: 1 })
      .lean()
  ).map((c) => c._id);
  if (late.length) await placeContacts({ _id: listId, accountId }, late);
  return ids.length + late.length;
}

/** Places existing contacts of a paged list at its end (their own new pages): the demo seed, and late ones. */
export async function placeContacts(list: ListRef, ids: readonly string[]): Promise<void> {
  const first = await reservePlaces(list._id, ids.length);
  if (first === null) return;
  await writePages(list, first, ids);
  await Contact.bulkWrite(ids.map((_id, k) => ({ updateOne: { filter: { _id }, update: { $set: { seq: first + k } } } })));
}

/** Data upgrade (src/db/connect.ts runs it at start): pages every list written before the directory. */
export async function pageAllLists(): Promise<void> {
  const lists = await MailingList.find({ contactSeq: { $exists: false } })
    .select({ _id: 1, accountId: 1 })
    .lean();
  for (const l of lists) await pageList(l._id, l.accountId);
}
