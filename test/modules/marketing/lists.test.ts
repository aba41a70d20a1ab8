import { Contact } from '../../../src/modules/marketing/contact.model';
import { AuditEvent } from '../../../src/audit/model';
import { errorCode, startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { CREATE_LIST, IMPORT, LIST_CONTACTS, createList, ok, parseCsv, rows } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const EXPORT = `mutation($listId: ID!) { exportContacts(listId: $listId) }`;
const importRows = (listId: string, contacts: unknown[], token = owner.token) => gw.gql(IMPORT, { input: { listId, contacts } }, token);
const emailsOf = async (listId: string) => (await Contact.find({ listId }).sort({ email: 1 }).lean()).map((c) => c.email);

describe('mailing lists', () => {
  it('creates, reads, renames, pages and deletes lists of a workspace', async () => {
    const created = ok(
      await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name: '  Newsletter  ' } }, owner.token),
    ).createList;
    expect(created).toEqual({ id: expect.any(String), name: 'Newsletter', contactCount: 0, workspace: { id: owner.workspaceId } });

    const renamed = ok(
      await gw.gql(`mutation($id: ID!) { updateList(id: $id, input: { name: "Weekly" }) { name } }`, { id: created.id }, owner.token),
    );
    expect(renamed.updateList.name).toBe('Weekly');

    for (const n of ['B', 'C']) await createList(gw, owner, n);
    const PAGE = `query($id: ID!, $after: String) { workspace(id: $id) { lists(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } } }`;
    const p1 = ok(await gw.gql(PAGE, { id: owner.workspaceId }, owner.token)).workspace.lists;
    expect(p1.edges.map((e: any) => e.node.name)).toEqual(['Weekly', 'B']);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = ok(await gw.gql(PAGE, { id: owner.workspaceId, after: p1.pageInfo.endCursor }, owner.token)).workspace.lists;
    expect(p2.edges.map((e: any) => e.node.name)).toEqual(['C']);
    expect(p2.pageInfo.hasNextPage).toBe(false);

    ok(await importRows(created.id, rows(3, 'del')));
    expect(await Contact.countDocuments({ listId: created.id })).toBe(3);
    const del = ok(await gw.gql(`mutation($id: ID!) { deleteList(id: $id) }`, { id: created.id }, owner.token));
    expect(del.deleteList).toBe(true);
    expect(await Contact.countDocuments({ listId: created.id })).toBe(0);
    const audit = await AuditEvent.findOne({ accountId: owner.accountId, action: 'list.deleted' }).lean();
    expect(audit).toMatchObject({ target: { type: 'MailingList', id: created.id }, meta: { contactsDeleted: 3 } });
    const gone = await gw.gql(`query($id: ID!) { list(id: $id) { id } }`, { id: created.id }, owner.token);
    expect(errorCode(gone)).toBe('NOT_FOUND');
  });

  it('refuses empty or overlong names with BAD_USER_INPUT on name', async () => {
    for (const name of ['   ', 'x'.repeat(101)]) {
      const r = await gw.gql(CREATE_LIST, { input: { workspaceId: owner.workspaceId, name } }, owner.token);
      expect(errorCode(r)).toBe('BAD_USER_INPUT');
      expect(r.body.errors![0]!.extensions!.field).toBe('name');
    }
  });

  it("another account's list does not exist for the caller", async () => {
    const other = await gw.signUp();
    const theirs = await createList(gw, other, 'Theirs');
    const read = await gw.gql(`query($id: ID!) { list(id: $id) { name } }`, { id: theirs }, owner.token);
    expect(errorCode(read)).toBe('NOT_FOUND');
    expect(errorCode(await importRows(theirs, rows(1)))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(EXPORT, { listId: theirs }, owner.token))).toBe('NOT_FOUND');
    expect(errorCode(await gw.gql(CREATE_LIST, { input: { workspaceId: other.workspaceId, name: 'x' } }, owner.token))).toBe('NOT_FOUND');
  });
});

describe('importContacts', () => {
  it('imports, lowercases emails, pages the contacts and counts them', async () => {
    const listId = await createList(gw, owner);
    const r = ok(
      await importRows(listId, [
        { email: 'Ada@Example.COM', firstName: ' Ada ', lastName: 'Lovelace' },
        { email: 'bob@example.com' },
        { email: 'cy@example.com', firstName: 'Cy', lastName: null },
      ]),
    );
    expect(r.importContacts).toEqual({ imported: 3, skipped: 0, total: 3, list: { id: listId, contactCount: 3 } });
    const p1 = ok(await gw.gql(LIST_CONTACTS, { id: listId, first: 2 }, owner.token)).list;
    expect(p1.contactCount).toBe(3);
    expect(p1.contacts.edges.map((e: any) => e.node)).toEqual([
      { id: expect.any(String), email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
      { id: expect.any(String), email: 'bob@example.com', firstName: null, lastName: null },
    ]);
    const p2 = ok(await gw.gql(LIST_CONTACTS, { id: listId, first: 2, after: p1.contacts.pageInfo.endCursor }, owner.token)).list;
    expect(p2.contacts.edges.map((e: any) => e.node.email)).toEqual(['cy@example.com']);
    expect(p2.contacts.pageInfo.hasNextPage).toBe(false);
  });

  it('skips emails already on the list (case-insensitively) and leaves those contacts unchanged', async () => {
    const listId = await createList(gw, owner);
    ok(await importRows(listId, [{ email: 'keep@example.com', firstName: 'Original' }]));
    const r = ok(
      await importRows(listId, [
        { email: 'KEEP@example.com', firstName: 'Changed' },
        { email: 'new@example.com', firstName: 'New' },
      ]),
    );
    expect(r.importContacts).toMatchObject({ imported: 1, skipped: 1, total: 2, list: { contactCount: 2 } });
    const keep = await Contact.findOne({ listId, email: 'keep@example.com' }).lean();
    expect(keep!.firstName).toBe('Original');
    // The same email may be on another list.
    const other = await createList(gw, owner, 'Other');
    expect(ok(await importRows(other, [{ email: 'keep@example.com' }])).importContacts.imported).toBe(1);
  });

  it.each([
    ['a bad email', (c: any[]) => (c[3].email = 'not-an-email'), 'contacts.3.email'],
    ['an overlong first name', (c: any[]) => (c[5].firstName = 'x'.repeat(101)), 'contacts.5.firstName'],
    ['an overlong last name', (c: any[]) => (c[0].lastName = 'y'.repeat(101)), 'contacts.0.lastName'],
    ['a duplicate inside the batch', (c: any[]) => (c[7].email = c[2].email.toUpperCase()), 'contacts.7.email'],
    ['an empty email', (c: any[]) => (c[1].email = '  '), 'contacts.1.email'],
  ])('refuses the whole import for %s, naming the row, and leaves the list unchanged', async (_why, spoil, field) => {
    const listId = await createList(gw, owner);
    ok(await importRows(listId, [{ email: 'before@example.com' }]));
    const contacts = rows(10, `bad${field.replace(/\W/g, '')}`);
    spoil(contacts);
    const r = await importRows(listId, contacts);
    expect(errorCode(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.extensions!.field).toBe(field);
    expect(r.body.errors![0]!.message).toContain(field);
    expect(await emailsOf(listId)).toEqual(['before@example.com']);
  });

  it('refuses more than 10,000 rows and an empty import', async () => {
    const listId = await createList(gw, owner);
    const tooMany = await importRows(listId, rows(10_001, 'many'));
    expect(errorCode(tooMany)).toBe('BAD_USER_INPUT');
    expect(tooMany.body.errors![0]!.extensions!.field).toBe('contacts');
    const none = await importRows(listId, []);
    expect(errorCode(none)).toBe('BAD_USER_INPUT');
    expect(await Contact.countDocuments({ listId })).toBe(0);
  });

  it('imports more rows than one write batch (2,500) in one go', async () => {
    const listId = await createList(gw, owner);
    const r = ok(await importRows(listId, rows(2500, 'bulk')));
    expect(r.importContacts).toMatchObject({ imported: 2500, skipped: 0, total: 2500, list: { contactCount: 2500 } });
    expect(await Contact.countDocuments({ listId })).toBe(2500);
  });

  it('lets the unique (listId, email) key decide duplicates: racing imports of overlapping rows add each email once', async () => {
    const listId = await createList(gw, owner);
    ok(await importRows(listId, [{ email: 'race1200@example.com', firstName: 'Before' }]));
    const all = rows(3000, 'race'); // race0 … race2999, over several write batches each
    const [a, b] = await Promise.all([importRows(listId, all.slice(0, 2000)), importRows(listId, all.slice(1000, 3000))]);
    const ra = ok(a).importContacts;
    const rb = ok(b).importContacts;
    // 3000 distinct emails, one of them there before: 2999 added in all, each row counted once.
    expect(ra.imported + rb.imported).toBe(2999);
    expect(ra.imported + ra.skipped).toBe(2000);
    expect(rb.imported + rb.skipped).toBe(2000);
    expect(ra.skipped + rb.skipped).toBe(1001);
    const emails = await emailsOf(listId);
    expect(emails).toHaveLength(3000);
    expect(new Set(emails).size).toBe(3000);
    expect((await Contact.findOne({ listId, email: 'race1200@example.com' }).lean())!.firstName).toBe('Before');
    expect(ok(await gw.gql(LIST_CONTACTS, { id: listId, first: 0 }, owner.token)).list.contactCount).toBe(3000);
  });

  it('skips every row of an import already on the list, and only those, in every write batch', async () => {
    const listId = await createList(gw, owner);
    const all = rows(2500, 'again');
    ok(
      await importRows(
        listId,
        all.filter((_, i) => i % 2 === 0),
      ),
    );
    const r = ok(await importRows(listId, all)).importContacts;
    expect(r).toMatchObject({ imported: 1250, skipped: 1250, total: 2500, list: { contactCount: 2500 } });
    expect(await emailsOf(listId)).toEqual(all.map((c) => c.email.toLowerCase()).sort());
  });
});

describe('contacts', () => {
  it('edits a contact (lowercasing its email) and refuses an email already on the list', async () => {
    const listId = await createList(gw, owner);
    ok(await importRows(listId, [{ email: 'one@example.com' }, { email: 'two@example.com' }]));
    const [one] = ok(await gw.gql(LIST_CONTACTS, { id: listId }, owner.token)).list.contacts.edges.map((e: any) => e.node);
    const UPDATE = `mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { email firstName lastName } }`;
    const u = ok(await gw.gql(UPDATE, { id: one.id, input: { email: 'Uno@Example.com', firstName: 'Uno' } }, owner.token));
    expect(u.updateContact).toEqual({ email: 'uno@example.com', firstName: 'Uno', lastName: null });
    const dup = await gw.gql(UPDATE, { id: one.id, input: { email: 'TWO@example.com' } }, owner.token);
    expect(errorCode(dup)).toBe('BAD_USER_INPUT');
    expect(dup.body.errors![0]!.extensions!.field).toBe('email');
    const bad = await gw.gql(UPDATE, { id: one.id, input: { email: 'nope' } }, owner.token);
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
  });

  it('deletes a contact', async () => {
    const listId = await createList(gw, owner);
    ok(await importRows(listId, rows(2, 'rm')));
    const ids = ok(await gw.gql(LIST_CONTACTS, { id: listId }, owner.token)).list.contacts.edges.map((e: any) => e.node.id);
    const r = ok(await gw.gql(`mutation($id: ID!) { deleteContact(id: $id) }`, { id: ids[0] }, owner.token));
    expect(r.deleteContact).toBe(true);
    expect(await emailsOf(listId)).toEqual(['rm1@example.com']);
    const again = await gw.gql(`mutation($id: ID!) { deleteContact(id: $id) }`, { id: ids[0] }, owner.token);
    expect(errorCode(again)).toBe('NOT_FOUND');
  });
});

describe('exportContacts', () => {
  it('returns CSV with a header row that parses back to the contacts, and audits the export', async () => {
    const listId = await createList(gw, owner, 'Export me');
    ok(
      await importRows(listId, [
        { email: 'a@example.com', firstName: 'Ann, "the first"', lastName: 'Lee' },
        { email: 'b@example.com', firstName: 'Bo' },
        { email: 'c@example.com', firstName: '=HYPERLINK("http://evil")', lastName: 'Smith' },
      ]),
    );
    const csv = ok(await gw.gql(EXPORT, { listId }, owner.token)).exportContacts as string;
    const table = parseCsv(csv);
    expect(table[0]).toEqual(['email', 'firstName', 'lastName', 'createdAt']);
    expect(table.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['a@example.com', 'Ann, "the first"', 'Lee'],
      ['b@example.com', 'Bo', ''],
      ['c@example.com', `'=HYPERLINK("http://evil")`, 'Smith'],
    ]);
    for (const r of table.slice(1)) expect(Number.isNaN(Date.parse(r[3]!))).toBe(false);

    const events = await AuditEvent.find({ accountId: owner.accountId, action: 'contacts.exported' }).lean();
    expect(events).toHaveLength(1);
    expect(events[0]!.target).toEqual({ type: 'MailingList', id: listId });
    expect(events[0]!.actor).toMatchObject({ type: 'user', id: owner.userId });
  });

  it('escapes fullwidth formula starts (＝ ＋ － ＠) that spreadsheets run as formulas, like every other export', async () => {
    const listId = await createList(gw, owner, 'Fullwidth');
    const evil = ['\uFF1DHYPERLINK("http://evil","x")', '\uFF0B1+1', '\uFF0D2+3', '\uFF20SUM(A1)', '+1', '@cmd', '-2+3'];
    ok(
      await importRows(
        listId,
        evil.map((firstName, i) => ({ email: `f${i}@example.com`, firstName })),
      ),
    );
    const table = parseCsv(ok(await gw.gql(EXPORT, { listId }, owner.token)).exportContacts as string);
    expect(table.slice(1).map((r) => r[1])).toEqual(evil.map((v) => `'${v}`));
  });

  it('exports an empty list as the header row alone', async () => {
    const listId = await createList(gw, owner, 'Empty');
    const csv = ok(await gw.gql(EXPORT, { listId }, owner.token)).exportContacts;
    expect(parseCsv(csv)).toEqual([['email', 'firstName', 'lastName', 'createdAt']]);
  });
});
