// Issue #19: a list's contacts are paged through a directory of `_id`-keyed pages. Whatever imports
// and deletes run at once, walking the connection with its cursors lists every contact on the list
// exactly once and nothing else; a list written before the directory is upgraded at start.
import { Contact } from '../../../src/modules/marketing/contact.model';
import { MailingList } from '../../../src/modules/marketing/list.model';
import { ContactPage, pageAllLists } from '../../../src/modules/marketing/contact-pages.service';
import { newId } from '../../../src/db/ids';
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { commandsDuring } from '../../helpers/commands';
import { IMPORT, LIST_CONTACTS, createList, ok, rows } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway({ monitorCommands: true, env: { POSTERN_SCHEDULER_INTERVAL_MS: '0' } });
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const importRows = (listId: string, contacts: unknown[]) => gw.gql(IMPORT, { input: { listId, contacts } }, owner.token);

/** Every contact of the list through the connection, `first` at a time, with the pages' sizes. */
async function walk(listId: string, first: number): Promise<{ emails: string[]; sizes: number[] }> {
  const emails: string[] = [];
  const sizes: number[] = [];
  let after: string | null = null;
  for (;;) {
    const page: any = ok(await gw.gql(LIST_CONTACTS, { id: listId, first, after }, owner.token)).list.contacts;
    emails.push(...page.edges.map((e: any) => e.node.email));
    sizes.push(page.edges.length);
    for (const e of page.edges) expect(e.cursor).toEqual(expect.any(String));
    if (!page.pageInfo.hasNextPage) return { emails, sizes };
    after = page.pageInfo.endCursor;
  }
}

it('lists every contact once under concurrent overlapping imports and deletes, in full pages', async () => {
  const listId = await createList(gw, owner, 'Racing');
  const all = rows(400, 'race');
  ok(await importRows(listId, all.slice(0, 120)));
  const victims = await Contact.find({ listId }).sort({ _id: 1 }).limit(30).lean();
  // Four imports of overlapping slices (each email in two of them) and 30 deletes, all at once.
  const results = await Promise.all([
    importRows(listId, all.slice(100, 250)),
    importRows(listId, all.slice(200, 330)),
    importRows(listId, all.slice(300, 400)),
    importRows(listId, all.slice(80, 160)),
    ...victims.map((v) => gw.gql(`mutation($id: ID!) { deleteContact(id: $id) }`, { id: v._id }, owner.token)),
  ]);
  for (const r of results) ok(r);
  const imported = results.slice(0, 4).reduce((n, r) => n + r.body.data!.importContacts.imported, 0);
  expect(imported).toBe(400 - 120); // each email once, whoever wrote it

  const stored = (await Contact.find({ listId }).lean()).map((c) => c.email).sort();
  expect(stored).toHaveLength(400 - 30);
  const { emails, sizes } = await walk(listId, 50);
  expect([...emails].sort()).toEqual(stored);
  expect(new Set(emails).size).toBe(emails.length);
  expect(sizes.slice(0, -1).every((n) => n === 50)).toBe(true);
  // Another page size walks the same order.
  expect((await walk(listId, 37)).emails).toEqual(emails);
  // The directory names only contacts of the list (refused rows and deleted contacts left it).
  const named = (await ContactPage.find({ listId }).lean()).flatMap((p) => p.ids);
  expect(named.sort()).toEqual((await Contact.find({ listId }).lean()).map((c) => c._id).sort());
});

it('answers a page with _id look-ups only: pages, then their contacts (a cursor adds its contact)', async () => {
  const listId = await createList(gw, owner, 'Big enough');
  for (let i = 0; i < 3; i++) ok(await importRows(listId, rows(1000, `big${i}-`)));
  const first = ok(await gw.gql(LIST_CONTACTS, { id: listId, first: 50 }, owner.token)).list.contacts;
  const commands = await commandsDuring(() =>
    gw.gql(LIST_CONTACTS, { id: listId, first: 50, after: first.pageInfo.endCursor }, owner.token),
  );
  const reads = commands.filter((c) => /contactpages|contacts/.test(c));
  // The cursor's contact, its pages (one round), their contacts; contactCount's aggregation aside.
  expect(reads.filter((c) => c === 'find:contactpages')).toHaveLength(1);
  expect(reads.filter((c) => c === 'find:contacts')).toHaveLength(2);
  const deep = ok(await gw.gql(LIST_CONTACTS, { id: listId, first: 50, after: first.edges[9].cursor }, owner.token)).list.contacts;
  expect(deep.edges[0].node.email).toBe(first.edges[10].node.email);
  expect(deep.edges).toHaveLength(50);
});

it('pages a list written before the directory, in the order its contacts joined', async () => {
  const listId = newId();
  // Written as an older version did: no contactSeq on the list, no seq on its contacts.
  await MailingList.collection.insertOne({
    _id: listId as never,
    accountId: owner.accountId,
    workspaceId: owner.workspaceId,
    createdBy: owner.userId,
    name: 'Old',
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  const old = rows(120, 'old').map((r) => ({
    _id: newId(),
    accountId: owner.accountId,
    workspaceId: owner.workspaceId,
    listId,
    createdBy: owner.userId,
    ...r,
    createdAt: new Date(),
    updatedAt: new Date(),
  }));
  await Contact.collection.insertMany(old as never[]);
  const expected = [...old].sort((a, b) => (a._id < b._id ? -1 : 1)).map((c) => c.email);
  // Still readable before the upgrade (the old query), and the same after it.
  expect((await walk(listId, 50)).emails).toEqual(expected);
  await pageAllLists();
  expect((await MailingList.findById(listId).lean())!.contactSeq).toBeGreaterThanOrEqual(120);
  expect(await Contact.countDocuments({ listId, seq: { $exists: false } })).toBe(0);
  expect((await walk(listId, 50)).emails).toEqual(expected);
  // Imports after the upgrade come after them.
  ok(await importRows(listId, rows(10, 'new')));
  expect((await walk(listId, 50)).emails).toEqual([...expected, ...rows(10, 'new').map((r) => r.email)]);
  // Running the upgrade again changes nothing.
  await pageAllLists();
  expect((await walk(listId, 50)).emails).toHaveLength(130);
});
