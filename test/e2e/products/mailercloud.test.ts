// Mailercloud roles and permissions (seed: mailercloud-roles-and-permissions), the statements added by issue 9.
import { startTestGateway, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { acct, err, memberWith, ok, roleIds } from '../../modules/access/helpers';
import { installPacks } from './helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAILERCLOUD']);
  Object.assign(roles, await roleIds(gw, owner));
});
afterAll(() => gw.stop());

const REQUEST = `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id } }`;
const NOTES = `{ viewer { notifications { edges { node { accessRequestId } } } } }`;
const SETTINGS = `query($id: ID!) { account(id: $id) { settings { accessRequestRecipients } } }`;
const SET = `mutation($input: SetAccessRequestRecipientsInput!) { setAccessRequestRecipients(input: $input) { accessRequestRecipients } }`;

async function notified(token: string): Promise<string[]> {
  return ok(await gw.gql(NOTES, {}, token)).viewer.notifications.edges.map((e: any) => e.node.accessRequestId);
}

describe('Mailercloud', () => {
  it('MC8: "Request access" notifies the Owner only (the pack chooses it); the account can choose every resolver instead', async () => {
    expect(ok(await gw.gql(SETTINGS, { id: owner.accountId }, owner.token)).account.settings.accessRequestRecipients).toBe('OWNER');
    const admin = await memberWith(gw, owner, roles['admin']!, acct(owner), 'admin');
    const viewer = await memberWith(gw, owner, roles['mailercloud-viewer']!, acct(owner), 'viewer');
    const first = ok(await gw.gql(REQUEST, { input: { permission: 'contacts:export', scope: acct(owner) } }, viewer.token)).requestAccess
      .id;
    expect(await notified(owner.token)).toContain(first);
    expect(await notified(admin.token)).not.toContain(first);

    // Choosing needs account:edit: a viewer may not.
    expect(err(await gw.gql(SET, { input: { accountId: owner.accountId, recipients: 'RESOLVERS' } }, viewer.token))).toMatchObject({
      code: 'FORBIDDEN',
      permission: 'account:edit',
    });
    expect(
      ok(await gw.gql(SET, { input: { accountId: owner.accountId, recipients: 'RESOLVERS' } }, owner.token)).setAccessRequestRecipients
        .accessRequestRecipients,
    ).toBe('RESOLVERS');
    const second = ok(await gw.gql(REQUEST, { input: { permission: 'reports:export', scope: acct(owner) } }, viewer.token)).requestAccess
      .id;
    expect(await notified(owner.token)).toContain(second);
    expect(await notified(admin.token)).toContain(second);
  });
});
