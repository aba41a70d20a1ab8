// The largest import, on its own database: FerretDB's SQLite backend scans a collection for
// non-_id filters, so 10,000 contacts would slow every other test of a shared file.
import { Contact } from '../../../src/modules/marketing/contact.model';
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { IMPORT, createList, ok, rows } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
});
afterAll(() => gw.stop());

const importRows = (listId: string, contacts: unknown[]) => gw.gql(IMPORT, { input: { listId, contacts } }, owner.token);

it('imports the maximum of 10,000 rows in one go (many write batches), then skips them all on a re-import', async () => {
  const listId = await createList(gw, owner);
  const r = ok(await importRows(listId, rows(10_000, 'bulk')));
  expect(r.importContacts).toMatchObject({ imported: 10_000, skipped: 0, total: 10_000, list: { contactCount: 10_000 } });
  expect(await Contact.countDocuments({ listId })).toBe(10_000);
  const again = ok(await importRows(listId, rows(10_000, 'bulk')));
  expect(again.importContacts).toMatchObject({ imported: 0, skipped: 10_000, total: 10_000 });
  expect(await Contact.countDocuments({ listId })).toBe(10_000);
}, 180_000); // 20,000 rows written or refused one by one by the store: room for a busy 2-core machine
