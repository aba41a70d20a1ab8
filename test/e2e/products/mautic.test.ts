// Mautic users and roles (seed: mautic-users-and-roles), the statements added by issue 9.
import { STRONG_PASSWORD, startTestGateway, uniqueEmail, type TestGateway, type TestOwner } from '../../helpers/gateway';
import { LOGIN, err, memberWith, newMember, ok, acct } from '../../modules/access/helpers';
import { installPacks, mutate } from './helpers';
import { Member } from '../../../src/modules/accounts/account.model';
import { IMPORT, createList, createTemplate, verifiedSender } from '../../modules/marketing/helpers';

let gw: TestGateway;
let owner: TestOwner;
let roles: Record<string, string>;

beforeAll(async () => {
  gw = await startTestGateway();
  owner = await gw.signUp();
  roles = await installPacks(gw, owner, ['MAUTIC']);
});
afterAll(() => gw.stop());

const SET_PASSWORD = `mutation($input: SetUserPasswordInput!) { setUserPassword(input: $input) { id } }`;
const LOGIN_NAME = `mutation($input: LoginInput!) { login(input: $input) { token user { id } } }`;
const NEW_PASSWORD = 'Brand-New-Secret-42';

describe('Mautic', () => {
  it('MA4: Username, Email and Password are the login credentials: a user signs in with their username', async () => {
    const m = await newMember(gw, owner, 'uname');
    ok(
      await gw.gql(
        `mutation($input: UpdateMySettingsInput!) { updateMySettings(input: $input) { username } }`,
        { input: { username: 'jane.doe' } },
        m.token,
      ),
    );
    expect(ok(await gw.gql(LOGIN_NAME, { input: { username: 'jane.doe', password: STRONG_PASSWORD } })).login.user.id).toBe(m.userId);
    const wrong = await gw.gql(LOGIN_NAME, { input: { username: 'jane.doe', password: 'Wrong-Password-1' } });
    expect(err(wrong)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(err(await gw.gql(LOGIN_NAME, { input: { username: 'nobody.here', password: STRONG_PASSWORD } })).code).toBe('UNAUTHENTICATED');
    expect(err(await gw.gql(LOGIN_NAME, { input: { password: STRONG_PASSWORD } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'email',
    });
  });

  it("MA4: an administrator sets another user's password for them; the user's sessions end; never the owner's or a shared login's", async () => {
    const admin = await memberWith(gw, owner, roles['mautic-administrator']!, acct(owner), 'mauticadmin');
    const m = await newMember(gw, owner, 'forgetful');
    ok(await gw.gql(SET_PASSWORD, { input: { accountId: owner.accountId, userId: m.userId, password: NEW_PASSWORD } }, admin.token));
    // Their old session is over; the new password works, the old one does not.
    expect((await gw.gql(`query { viewer { user { id } } }`, {}, m.token)).body.data?.viewer ?? null).toBeNull();
    expect(err(await gw.gql(LOGIN, { input: { email: m.email, password: STRONG_PASSWORD } })).code).toBe('UNAUTHENTICATED');
    expect(ok(await gw.gql(LOGIN, { input: { email: m.email, password: NEW_PASSWORD } })).login.token).toBeTruthy();

    expect(
      err(await gw.gql(SET_PASSWORD, { input: { accountId: owner.accountId, userId: owner.userId, password: NEW_PASSWORD } }, admin.token)),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(
      err(await gw.gql(SET_PASSWORD, { input: { accountId: owner.accountId, userId: m.userId, password: 'short' } }, admin.token)),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    // A login that also belongs to another account is not this account's to change.
    const other = await gw.signUp({ email: uniqueEmail('shared') });
    await Member.create({ accountId: owner.accountId, userId: other.userId, createdBy: owner.userId });
    const shared = { id: other.userId };
    expect(
      err(await gw.gql(SET_PASSWORD, { input: { accountId: owner.accountId, userId: shared.id, password: NEW_PASSWORD } }, admin.token)),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    // Someone without members:edit cannot.
    const viewer = await memberWith(gw, owner, roles['mautic-campaigns-view-others']!, acct(owner), 'mviewer');
    expect(
      err(await gw.gql(SET_PASSWORD, { input: { accountId: owner.accountId, userId: m.userId, password: NEW_PASSWORD } }, viewer.token)),
    ).toMatchObject({ code: 'FORBIDDEN', permission: 'members:edit' });
    expect(gw.logs.join('')).not.toContain(NEW_PASSWORD);
  });

  it("MA8: the pack's Administrator role has full system access and, like admin, takes no per-user customisation", async () => {
    const admin = await memberWith(gw, owner, roles['mautic-administrator']!, acct(owner), 'mauticadmin2');
    for (const p of ['members:create', 'roles:edit', 'campaigns:send', 'billing:edit'])
      expect(
        ok(await gw.gql(`query($s: ScopeInput!) { viewer { can(permission: "${p}", scope: $s) } }`, { s: acct(owner) }, admin.token)).viewer
          .can,
      ).toBe(true);
    const roleList = ok(
      await gw.gql(`query($id: ID!) { role(id: $id) { customisable } }`, { id: roles['mautic-administrator'] }, owner.token),
    );
    expect(roleList.role.customisable).toBe(false);
  });

  it("MA3: the {signature} token puts the sending user's signature into the email", async () => {
    const sender = await memberWith(gw, owner, roles['mautic-campaigns-full']!, { type: 'WORKSPACE', id: owner.workspaceId }, 'sender');
    ok(
      await gw.gql(
        `mutation($input: UpdateMySettingsInput!) { updateMySettings(input: $input) { signature } }`,
        { input: { signature: 'Jane <Sales>\nAcme' } },
        sender.token,
      ),
    );
    const listId = await createList(gw, owner, 'Sig list');
    ok(
      await gw.gql(IMPORT, { input: { listId, contacts: [{ email: 'sig@example.com', firstName: 'Sam', lastName: 'Sig' }] } }, owner.token),
    );
    const templateId = await createTemplate(gw, owner, '<p>Hi {{firstName}}</p><footer>{signature}</footer>');
    const c = await mutate(gw, sender.token, 'createCampaign', 'CreateCampaignInput', {
      workspaceId: owner.workspaceId,
      name: 'Sig',
      subject: 'Hello',
      fromEmail: await verifiedSender(gw, owner),
      listId,
      templateId,
    });
    ok(await gw.gql(`mutation($id: ID!) { sendCampaign(id: $id) { status } }`, { id: c.id }, sender.token));
    const logs = ok(
      await gw.gql(`query($id: ID!) { campaign(id: $id) { emailLogs { edges { node { html } } } } }`, { id: c.id }, owner.token),
    );
    expect(logs.campaign.emailLogs.edges[0].node.html).toBe('<p>Hi Sam</p><footer>Jane &#60;Sales&#62;<br>Acme</footer>');
  });
});
